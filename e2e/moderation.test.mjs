// Edits and deletions reach the open room page as they happen: the line
// changes in place, marked "(edited)", or becomes a "message deleted"
// tombstone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, logIn, newPage, serverAndBrowser } from './support.mjs';

const env = serverAndBrowser();

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
