// Scrolling up through a long room loads every older message, once, without
// moving what the reader is looking at.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, logIn, newPage, seedMessages, serverAndBrowser } from './support.mjs';

const ROOM = 'deep';
const SEEDED = 420;

// Seeding sends far faster than a person types.
const env = serverAndBrowser({ env: { SEND_BURST: '100000', SEND_RATE: '100000' } });
let seeder;

after(() => seeder?.disconnect());

/** Data ids of the lines in the list, top to bottom. */
const listedIds = (page) =>
  page.$$eval('.message[data-id]', (rows) => rows.map((r) => Number(r.dataset.id)));

test('scrolling to the top loads older pages until the beginning, keeping the view still', async () => {
  seeder = await connectSocket(env.server.url, 'Seeder', ROOM);
  const seededIds = await seedMessages(seeder, ROOM, SEEDED, (i) => `deep #${String(i).padStart(3, '0')}`);
  const context = await env.browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await newPage(context);
  await logIn(page, env.server.url, 'Scroller', ROOM);

  const initial = await listedIds(page);
  assert.deepEqual(initial, seededIds.slice(-50), 'the server-rendered page is not the newest 50');

  let liveId;
  let prepends = 0;
  while ((await page.locator('[data-edge="start"]').count()) === 0) {
    // Scroll to the top and note where the current top line sits, in one go,
    // before the older page can arrive.
    const anchor = await page.evaluate(() => {
      const list = document.querySelector('.messages');
      list.scrollTop = 0;
      const row = document.querySelector('.message[data-id]');
      return { id: row.dataset.id, top: row.getBoundingClientRect().top };
    });
    await page.waitForFunction(
      (id) =>
        document.querySelector('.message[data-id]').dataset.id !== id ||
        document.querySelector('[data-edge="start"]') !== null,
      anchor.id,
    );
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const top = await page.evaluate(
      (id) => document.querySelector(`.message[data-id="${id}"]`).getBoundingClientRect().top,
      anchor.id,
    );
    assert.ok(Math.abs(top - anchor.top) <= 2, `the view jumped by ${top - anchor.top}px on a prepend`);
    prepends++;

    // Halfway up, someone posts: it must arrive at the bottom, once.
    if (prepends === 3) {
      const ack = await seeder.timeout(10_000).emitWithAck('send_message', { room: ROOM, content: 'live while scrolling' });
      liveId = ack.message.id;
      await page.locator('.jump-to-newest').waitFor();
    }
  }
  assert.ok(prepends >= 7, `only ${prepends} older pages were loaded`);

  const ids = await listedIds(page);
  assert.deepEqual(ids, [...seededIds, liveId], 'messages missing, repeated or out of order');
  assert.equal(await page.locator('.message', { hasText: 'live while scrolling' }).count(), 1);

  // The "new messages" button takes the reader back down.
  await page.click('.jump-to-newest');
  await page.locator('.message', { hasText: 'live while scrolling' }).waitFor({ state: 'visible' });
  await page.waitForFunction(() => {
    const el = document.querySelector('.messages');
    return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  });
  assert.equal(await page.locator('.jump-to-newest').count(), 0);
  assert.deepEqual(page.errors, []);
  await context.close();
});
