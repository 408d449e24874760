// Nothing is lost or doubled when the server goes away: a message sent
// during the outage waits, goes out once the server is back, and everyone
// sees it once. Presence and typing show who is here and who is writing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, newPage, startServer, waitUntilLive, serverAndBrowser } from './support.mjs';

const env = serverAndBrowser();

test('a message sent while the server is down is delivered once it is back, once', async () => {
  const alice = await newPage(await env.browser.newContext());
  const bob = await newPage(await env.browser.newContext());
  await logIn(alice, env.server.url, 'Alice', 'outage');
  await logIn(bob, env.server.url, 'Bob', 'outage');

  const { dataDir, url } = env.server;
  await env.server.stop({ keepData: true });
  await alice.locator('.banner.offline').waitFor();

  await alice.fill('#composer-text', 'sent during the outage');
  await alice.press('#composer-text', 'Enter');
  const line = alice.locator('.message.mine', { hasText: 'sent during the outage' });
  await line.waitFor();
  assert.equal(await line.getAttribute('data-state'), 'pending');
  assert.match(await line.locator('.delivery').innerText(), /Waiting for the connection/);

  env.server = await startServer({ dataDir, addr: new URL(url).host });
  await alice.locator('.message.mine[data-state="sent"]', { hasText: 'sent during the outage' }).waitFor({ timeout: 45_000 });
  await waitUntilLive(bob);
  const seen = bob.locator('.message', { hasText: 'sent during the outage' });
  await seen.waitFor();
  assert.equal(await seen.count(), 1);
  assert.equal(await alice.locator('.message', { hasText: 'sent during the outage' }).count(), 1);

  // Stored once.
  const history = await (await bob.request.get(`${env.server.url}/chat/outage/history/`)).json();
  assert.equal(history.messages.filter((m) => m.content === 'sent during the outage').length, 1);
  assert.deepEqual(alice.errors.filter((e) => !e.includes('ERR_CONNECTION_REFUSED')), []);
});

test('presence and typing show who is here and who is writing', async () => {
  const aliceContext = await env.browser.newContext();
  const alice = await newPage(aliceContext);
  await logIn(alice, env.server.url, 'Alice', 'lobby');
  const bobContext = await env.browser.newContext();
  const bob = await newPage(bobContext);
  await logIn(bob, env.server.url, 'Bob', 'lobby');

  await alice.locator('.notice', { hasText: 'Bob joined' }).waitFor();
  await alice.locator('.online', { hasText: '2 online' }).waitFor();

  await bob.type('#composer-text', 'hello the', { delay: 30 });
  await alice.locator('.typing', { hasText: 'Bob is typing…' }).waitFor();
  assert.equal(await bob.locator('.typing').innerText(), '', 'the typer sees their own typing');
  await bob.press('#composer-text', 'Enter');
  await alice.locator('.message', { hasText: 'hello the' }).waitFor();
  await alice.waitForFunction(() => document.querySelector('.typing').textContent === '');

  await bobContext.close();
  await alice.locator('.notice', { hasText: 'Bob left' }).waitFor();
  await alice.locator('.online', { hasText: '1 online' }).waitFor();
  await aliceContext.close();
});
