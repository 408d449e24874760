// A connection the server turns away for a limit (too many from one
// network) is not a logout: the page says why, keeps trying with a backoff,
// and is live as soon as a slot frees up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, newPage, serverAndBrowser } from './support.mjs';

// One Socket.IO connection per client address; the address is believed from
// the (absent) forwarded header of a trusted proxy, so page loads are not
// capped, only live connections.
const env = serverAndBrowser({ env: { MAX_CONNECTIONS_PER_IP: '1', TRUSTED_PROXIES: '127.0.0.1/32' } });

test('a page turned away by the connection limit says why and connects once a slot frees up', async () => {
  const first = await newPage(await env.browser.newContext());
  await logIn(first, env.server.url, 'Alice', 'limits');

  const second = await newPage(await env.browser.newContext());
  await second.goto(env.server.url);
  await second.fill('#username', 'Bob');
  await second.fill('#room', 'limits');
  await Promise.all([second.waitForURL('**/chat/limits/'), second.click('button[type=submit]')]);
  const banner = second.locator('.banner', { hasText: 'turned the connection away' });
  await banner.waitFor();
  assert.match(await banner.innerText(), /too many connections/);
  assert.equal(await second.locator('.banner.refused').count(), 0, 'no "log in again"');

  // The retries back off (and new connections are themselves rate-limited
  // per address), so this can take a while.
  await first.close();
  await second.waitForSelector('.chat[data-connection="connected"]', { timeout: 60_000 });
  await second.fill('#composer-text', 'made it in');
  await second.press('#composer-text', 'Enter');
  await second.locator('.message.mine[data-state="sent"]', { hasText: 'made it in' }).waitFor();
});
