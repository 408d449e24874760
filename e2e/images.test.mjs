// Sharing a picture: a local preview at once, progress while it uploads,
// then the stored image for everyone, also after a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, makePng, newPage, waitUntilLive, serverAndBrowser } from './support.mjs';

const env = serverAndBrowser();

const STORED = 'img[src^="/media/chat_images/img_"]';

test('an attached image previews at once, shows progress, and reaches the other reader', async () => {
  const aliceContext = await env.browser.newContext();
  const bobContext = await env.browser.newContext();
  const alice = await newPage(aliceContext);
  const bob = await newPage(bobContext);
  await logIn(alice, env.server.url, 'Alice', 'pics');
  await logIn(bob, env.server.url, 'Bob', 'pics');

  // A slow uplink, so the upload takes a few seconds.
  const cdp = await aliceContext.newCDPSession(alice);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 150 * 1024,
  });

  const png = await makePng(320, 320); // ~300 KiB
  await alice.fill('#composer-text', 'our new office');
  await alice.setInputFiles('.composer input[type=file]', { name: 'office.png', mimeType: 'image/png', buffer: png });

  // The preview is there before the upload is done, with its progress.
  const pending = alice.locator('.message.mine[data-state="pending"]');
  await pending.locator('img[src^="blob:"]').waitFor();
  await pending.locator('.upload-progress progress').waitFor();
  assert.equal(await pending.locator('figcaption').innerText(), 'our new office');
  assert.equal(await alice.inputValue('#composer-text'), '', 'the caption stayed in the composer');
  await alice.waitForFunction(() => {
    const bar = document.querySelector('.upload-progress progress');
    return bar && bar.value > 0 && bar.value < 100;
  });

  // Then it turns into the stored image, for Alice and for Bob.
  await alice.locator(`.message.mine[data-state="sent"] ${STORED}`).waitFor({ timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const seen = bob.locator('.message', { has: bob.locator(STORED) });
  await seen.waitFor();
  assert.equal(await seen.count(), 1);
  assert.equal(await seen.locator('figcaption').innerText(), 'our new office');
  assert.ok(await seen.locator('img').evaluate((img) => img.complete && img.naturalWidth === 320));

  // A click shows it full size.
  await seen.locator('img').click();
  await bob.locator('.lightbox img').waitFor();
  await bob.keyboard.press('Escape');
  assert.equal(await bob.locator('.lightbox').count(), 0);

  // After a reload it is still there, in the server-rendered page.
  await bob.reload();
  await waitUntilLive(bob);
  assert.equal(await bob.locator(`.message ${STORED}`).count(), 1);

  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
  await aliceContext.close();
  await bobContext.close();
});

test('a dropped image is shared, and a refused file says why and can be discarded', async () => {
  const context = await env.browser.newContext();
  const page = await newPage(context);
  await logIn(page, env.server.url, 'Carol', 'drops');

  const png = [...(await makePng(16, 16))];
  const dropped = await page.evaluateHandle((bytes) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], 'tiny.png', { type: 'image/png' }));
    return transfer;
  }, png);
  await page.dispatchEvent('.chat', 'drop', { dataTransfer: dropped });
  await page.locator(`.message.mine[data-state="sent"] ${STORED}`).waitFor();

  // Text dressed up as a PNG passes the browser's check and is refused by the server.
  await page.setInputFiles('.composer input[type=file]', {
    name: 'fake.png',
    mimeType: 'image/png',
    buffer: Buffer.from('this is not a picture'),
  });
  const failed = page.locator('.message.mine[data-state="failed"]');
  await failed.waitFor();
  assert.match(await failed.locator('.delivery').innerText(), /Not accepted: not a PNG, JPEG, GIF or WebP image/);
  await failed.getByRole('button', { name: 'Discard' }).click();
  assert.equal(await page.locator('.message.mine[data-state="failed"]').count(), 0);

  // A file type the server would not take fails before any upload.
  await page.setInputFiles('.composer input[type=file]', {
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('notes'),
  });
  assert.match(await failed.locator('.delivery').innerText(), /Not a supported image/);

  // The 415 of the fake upload is the only error the page logged.
  assert.deepEqual(page.errors.filter((e) => !e.includes('415')), []);
  await context.close();
});
