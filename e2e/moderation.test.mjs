// Moderation on the room page: edits and deletions reach the open page as
// they happen; people edit and delete their own lines there (staff delete
// any); a muted reader's composer closes; a banned reader is signed out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectSocket,
  connectStaffSocket,
  logIn,
  newPage,
  nextEvent,
  serverAndBrowser,
  staffSignIn,
} from './support.mjs';

const STAFF = { username: 'Boss', password: 'a long password' };
const env = serverAndBrowser({ staff: STAFF });

/** A line of the page by message id. */
const line = (page, id) => page.locator(`.message[data-id="${id}"]`);

test('an edit and a deletion change the line in place for everyone in the room', async () => {
  const bob = await newPage(await env.browser.newContext());
  await logIn(bob, env.server.url, 'Bob', 'edits');
  const alice = await connectSocket(env.server.url, 'Alice', 'edits');
  const call = (event, payload) => alice.timeout(10_000).emitWithAck(event, payload);

  const first = await call('send_message', { room: 'edits', content: 'helo wrld' });
  await call('send_message', { room: 'edits', content: 'after it' });
  const line = bob.locator(`.message[data-id="${first.message.id}"]`);
  await line.locator('.text', { hasText: 'helo wrld' }).waitFor();
  assert.equal(await line.locator('.edited').count(), 0);

  assert.equal((await call('edit_message', { room: 'edits', id: first.message.id, content: 'hello world' })).ok, true);
  await line.locator('.text', { hasText: 'hello world' }).waitFor();
  assert.equal(await line.locator('.edited').innerText(), '(edited)');

  assert.equal((await call('delete_message', { room: 'edits', id: first.message.id })).ok, true);
  await line.locator('.tombstone', { hasText: 'message deleted' }).waitFor();
  assert.equal(await bob.locator('.message', { hasText: 'hello world' }).count(), 0);
  // It keeps its place: still before the message that came after it.
  const order = await bob.locator('.message').evaluateAll((rows) => rows.map((r) => r.textContent));
  const tombstone = order.findIndex((t) => t.includes('message deleted'));
  assert.ok(tombstone >= 0 && tombstone < order.findIndex((t) => t.includes('after it')), order.join(' | '));
  assert.deepEqual(bob.errors, []);
  alice.disconnect();
});

test('people edit and delete their own lines in place, and only their own', async () => {
  const bob = await newPage(await env.browser.newContext());
  await logIn(bob, env.server.url, 'Bob', 'own');
  const alice = await connectSocket(env.server.url, 'Alice', 'own');
  const theirs = await alice.timeout(10_000).emitWithAck('send_message', { room: 'own', content: 'from alice' });
  await line(bob, theirs.message.id).waitFor();
  assert.equal(await line(bob, theirs.message.id).locator('[data-action]').count(), 0);

  await bob.fill('#composer-text', 'teh typo');
  await bob.keyboard.press('Enter');
  const mine = bob.locator('.message.mine[data-state="sent"]', { hasText: 'teh typo' });
  await mine.waitFor();
  const id = await mine.getAttribute('data-id');

  // Edit: the text opens in place; Enter saves; everyone sees it.
  const updated = nextEvent(alice, 'message_updated');
  await line(bob, id).hover();
  await line(bob, id).locator('[data-action="edit"]').click();
  const box = line(bob, id).locator('.edit-box textarea');
  assert.equal(await box.inputValue(), 'teh typo');
  await box.fill('the typo, fixed');
  await box.press('Enter');
  await line(bob, id).locator('.text', { hasText: 'the typo, fixed' }).waitFor();
  assert.equal(await line(bob, id).locator('.edited').innerText(), '(edited)');
  assert.equal(await line(bob, id).locator('.edit-box').count(), 0);
  const edit = await updated;
  assert.equal(edit.content, 'the typo, fixed');
  assert.ok(edit.edited_at);

  // Escape leaves the text as it was.
  await line(bob, id).hover();
  await line(bob, id).locator('[data-action="edit"]').click();
  await line(bob, id).locator('.edit-box textarea').fill('never saved');
  await line(bob, id).locator('.edit-box textarea').press('Escape');
  await line(bob, id).locator('.edit-box').waitFor({ state: 'detached' });
  assert.equal(await line(bob, id).locator('.text').innerText(), 'the typo, fixed');

  // Delete asks first: declining keeps it, accepting leaves a tombstone.
  bob.once('dialog', (dialog) => dialog.dismiss());
  await line(bob, id).hover();
  await line(bob, id).locator('[data-action="delete"]').click();
  assert.equal(await line(bob, id).locator('.text').innerText(), 'the typo, fixed');
  const deleted = nextEvent(alice, 'message_updated');
  bob.once('dialog', (dialog) => dialog.accept());
  await line(bob, id).locator('[data-action="delete"]').click();
  await line(bob, id).locator('.tombstone', { hasText: 'message deleted' }).waitFor();
  assert.equal(await line(bob, id).locator('[data-action]').count(), 0);
  assert.equal((await deleted).deleted, true);
  assert.deepEqual(bob.errors, []);
  alice.disconnect();
});

test("staff delete anyone's line from the room page, but edit no one's", async () => {
  const alice = await connectSocket(env.server.url, 'Alice', 'staffroom');
  const sent = await alice.timeout(10_000).emitWithAck('send_message', { room: 'staffroom', content: 'spam spam' });
  const boss = await newPage(await env.browser.newContext());
  await staffSignIn(boss, env.server.url, STAFF.username, STAFF.password);
  await boss.goto(`${env.server.url}/chat/staffroom/`);
  const row = line(boss, sent.message.id);
  await row.waitFor();
  await boss.waitForSelector('.chat[data-connection="connected"]');
  assert.equal(await row.locator('[data-action="edit"]').count(), 0);
  const updated = nextEvent(alice, 'message_updated');
  boss.once('dialog', (dialog) => dialog.accept());
  await row.hover();
  await row.locator('[data-action="delete"]').click();
  await row.locator('.tombstone').waitFor();
  assert.equal((await updated).deleted, true);
  assert.deepEqual(boss.errors, []);
  alice.disconnect();
});

test('a muted reader sees why the composer is closed and until when; it opens when lifted', async () => {
  const bob = await newPage(await env.browser.newContext());
  await logIn(bob, env.server.url, 'Bob', 'quiet');
  const boss = await connectStaffSocket(env.server.url, STAFF.username, STAFF.password);
  const muted = await boss.timeout(10_000).emitWithAck('mute', { room: 'quiet', username: 'Bob', minutes: 30 });
  assert.equal(muted.ok, true);
  const notice = bob.locator('.muted-notice');
  await notice.waitFor();
  assert.match(await notice.innerText(), /muted you in #quiet until/);
  assert.equal(await notice.locator('time').getAttribute('datetime'), muted.until);
  assert.equal(await bob.locator('#composer-text').isDisabled(), true);

  // Still closed after a reload: the server-rendered page knows.
  await bob.reload();
  await bob.waitForSelector('.chat[data-connection="connected"]');
  assert.equal(await bob.locator('#composer-text').isDisabled(), true);
  await bob.locator('.muted-notice').waitFor();

  await boss.timeout(10_000).emitWithAck('mute', { room: 'quiet', username: 'Bob', minutes: 0 });
  await bob.locator('.muted-notice').waitFor({ state: 'detached' });
  assert.equal(await bob.locator('#composer-text').isDisabled(), false);
  await bob.fill('#composer-text', 'thanks');
  await bob.keyboard.press('Enter');
  await bob.locator('.message.mine[data-state="sent"]', { hasText: 'thanks' }).waitFor();
  assert.deepEqual(bob.errors, []);
  boss.disconnect();
});

test('a banned reader is told, signed out and shown the login page saying until when', async () => {
  const context = await env.browser.newContext();
  const carol = await newPage(context);
  await logIn(carol, env.server.url, 'Carol', 'banned');
  const boss = await connectStaffSocket(env.server.url, STAFF.username, STAFF.password);
  const banned = await boss.timeout(10_000).emitWithAck('ban', { username: 'Carol', minutes: 30 });
  assert.equal(banned.ok, true);
  await carol.locator('.banner', { hasText: 'You are banned until' }).waitFor();
  await carol.waitForURL((url) => url.pathname === '/' && url.searchParams.has('banned'), { timeout: 15_000 });
  assert.match(await carol.locator('.form-error').innerText(), /banned until/);
  const cookies = await context.cookies(env.server.url);
  assert.equal(cookies.filter((c) => c.name === 'chat_session').length, 0, JSON.stringify(cookies));

  await boss.timeout(10_000).emitWithAck('ban', { username: 'Carol', minutes: 0 });
  boss.disconnect();
});
