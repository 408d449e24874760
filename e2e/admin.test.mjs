// The admin pages in Chromium: staff sign in, read the rooms, scroll a
// room's messages (older ones load in place), delete one (after a
// confirmation), mute and lift; and the same forms with JavaScript off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, newPage, nextEvent, seedMessages, serverAndBrowser, staffSignIn } from './support.mjs';

const STAFF = { username: 'Boss', password: 'a long password' };
const env = serverAndBrowser({ staff: STAFF, env: { SEND_BURST: '100000', SEND_RATE: '100000' } });

test('staff read the rooms, scroll a room, delete a message, and mute and lift', async () => {
  const alice = await connectSocket(env.server.url, 'Alice', 'lobby');
  const ids = await seedMessages(alice, 'lobby', 120, (i) => `lobby ${i}`);
  const page = await newPage(await env.browser.newContext());

  // A wrong password is said on the form.
  await page.goto(`${env.server.url}/admin/login`);
  await page.fill('#username', STAFF.username);
  await page.fill('#password', 'not it');
  await page.click('button[type=submit]');
  await page.locator('.admin-error', { hasText: 'wrong username or password' }).waitFor();
  page.errors.length = 0; // the 401 of that answer

  await staffSignIn(page, env.server.url, STAFF.username, STAFF.password);
  const room = page.locator('.admin-table.rooms tr', { hasText: '#lobby' });
  assert.equal(await room.locator('td.number').innerText(), '120');
  assert.match(await room.innerText(), /Alice/);

  await Promise.all([page.waitForURL('**/admin/rooms/lobby/'), room.locator('a').click()]);
  const rows = page.locator('[data-rows] tbody tr');
  assert.equal(await rows.count(), 50);
  assert.match(await rows.first().innerText(), /lobby 119/);
  // Scrolling to the end loads the older pages in place, to the room's start.
  for (let shown = 50; shown < 120; ) {
    await page.locator('.admin-older, .admin-empty').last().scrollIntoViewIfNeeded();
    await page.waitForFunction((n) => document.querySelectorAll('[data-rows] tbody tr').length > n, shown);
    shown = await rows.count();
  }
  assert.equal(await rows.count(), 120);
  await page.locator('.admin-empty', { hasText: 'beginning of the room' }).waitFor();
  assert.match(await rows.last().innerText(), /lobby 0/);

  // Delete asks first; declining deletes nothing.
  const target = page.locator(`#m${ids[5]}`);
  page.once('dialog', (dialog) => dialog.dismiss());
  await target.locator('button', { hasText: 'Delete' }).click();
  assert.equal(await target.locator('.tombstone').count(), 0);
  const updated = nextEvent(alice, 'message_updated');
  page.once('dialog', (dialog) => dialog.accept());
  await Promise.all([page.waitForURL(/deleted=/), target.locator('button', { hasText: 'Delete' }).click()]);
  await page.locator('.admin-notice', { hasText: `Message ${ids[5]} deleted.` }).waitFor();
  await page.locator(`#m${ids[5]} .tombstone`).waitFor();
  assert.equal((await updated).id, ids[5]);

  // Mute Alice in the room from the overview, then lift it.
  await page.goto(`${env.server.url}/admin/`);
  await page.fill('#impose-username', 'Alice');
  await page.selectOption('#impose-kind', 'mute');
  await page.fill('#impose-room', 'lobby');
  await page.fill('#impose-minutes', '15');
  const muted = nextEvent(alice, 'muted');
  await Promise.all([page.waitForURL(/done=mute/), page.click('.impose button[type=submit]')]);
  assert.ok((await muted).until);
  const sanction = page.locator('.admin-table.sanctions tr', { hasText: 'Alice' });
  assert.match(await sanction.innerText(), /muted in #lobby/);
  const lifted = nextEvent(alice, 'muted');
  await Promise.all([page.waitForURL(/done=lift/), sanction.locator('button', { hasText: 'Lift' }).click()]);
  assert.equal((await lifted).until, null);
  await page.locator('.admin-empty', { hasText: 'No one is muted or banned.' }).waitFor();
  // No script ran inline and nothing was blocked by the pages' policy.
  assert.deepEqual(page.errors, []);
  alice.disconnect();
});

test('the admin pages work with JavaScript off', async () => {
  const alice = await connectSocket(env.server.url, 'Alice', 'plain');
  const [id] = await seedMessages(alice, 'plain', 1, () => 'remove me');
  const page = await newPage(await env.browser.newContext({ javaScriptEnabled: false }));
  await staffSignIn(page, env.server.url, STAFF.username, STAFF.password);
  await page.goto(`${env.server.url}/admin/rooms/plain/`);
  // No confirmation without a script: the form posts at once.
  await Promise.all([page.waitForURL(/deleted=/), page.locator(`#m${id} button`).click()]);
  await page.locator(`#m${id} .tombstone`).waitFor();
  await page.goto(`${env.server.url}/admin/`);
  await page.fill('#impose-username', 'Alice');
  await page.selectOption('#impose-kind', 'ban');
  await page.fill('#impose-minutes', '5');
  await Promise.all([page.waitForURL(/done=ban/), page.click('.impose button[type=submit]')]);
  assert.match(await page.locator('.admin-table.sanctions').innerText(), /Alice\s+banned/);
  assert.deepEqual(page.errors, []);
  alice.disconnect();
});

test('staff create an account, reset its password and delete it, from the accounts page', async () => {
  const page = await newPage(await env.browser.newContext());
  page.on('dialog', (dialog) => dialog.accept());
  await staffSignIn(page, env.server.url, STAFF.username, STAFF.password);
  await page.click('.admin-nav a:has-text("Accounts")');
  await page.waitForURL('**/admin/accounts/');

  await page.fill('#new-username', 'Dana');
  await page.click('form[action="/admin/accounts/"] button');
  const made = await page.locator('.admin-notice', { hasText: 'shown only now' }).innerText();
  const password = made.match(/shown only now: (\S+)/)[1];
  const signIn = (pw) => fetch(`${env.server.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'Dana', password: pw }),
  });
  assert.equal((await signIn(password)).status, 200);
  // Shown once: the page itself does not keep it.
  await page.goto(`${env.server.url}/admin/accounts/`);
  assert.ok(!(await page.content()).includes(password));

  const row = page.locator('.admin-table tr', { hasText: 'Dana' });
  assert.match(await row.innerText(), /member/);
  await row.locator('button', { hasText: 'Reset password' }).click();
  const reset = await page.locator('.admin-notice', { hasText: 'New password of Dana' }).innerText();
  const fresh = reset.match(/shown only now: (\S+?)\./)[1];
  assert.equal((await signIn(password)).status, 401);
  assert.equal((await signIn(fresh)).status, 200);

  await page.locator('.admin-table tr', { hasText: 'Dana' }).locator('button', { hasText: 'Delete' }).click();
  await page.locator('.admin-notice', { hasText: 'its name stays kept' }).waitFor();
  assert.match(await page.locator('.admin-table tr', { hasText: 'Dana' }).innerText(), /deleted \(name kept\)/);
  assert.equal((await signIn(fresh)).status, 401);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
