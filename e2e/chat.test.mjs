// Two people chat in one room through real browsers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, newPage, waitUntilLive, serverAndBrowser } from './support.mjs';

const env = serverAndBrowser();

test('a message typed in one browser appears live in the other, then in the server-rendered page', async () => {
  const aliceContext = await env.browser.newContext();
  const bobContext = await env.browser.newContext();
  const alice = await newPage(aliceContext);
  const bob = await newPage(bobContext);
  await logIn(alice, env.server.url, 'Alice', 'e2e');
  await logIn(bob, env.server.url, 'Bob', 'e2e');

  const text = `hello from Alice ${Date.now()}`;
  await alice.fill('#composer-text', text);
  await alice.press('#composer-text', 'Enter');

  // Alice sees her own line at once and then confirmed by the server.
  const mine = alice.locator('.message.mine', { hasText: text });
  await mine.waitFor();
  await alice.locator('.message.mine[data-state="sent"]', { hasText: text }).waitFor();
  assert.equal(await alice.inputValue('#composer-text'), '', 'the composer was not cleared');

  // Bob sees it without reloading, once.
  const seenByBob = bob.locator('.message', { hasText: text });
  await seenByBob.waitFor();
  assert.equal(await seenByBob.count(), 1);
  assert.equal(await seenByBob.locator('.author').innerText(), 'Alice');

  // After a reload the message is in the HTML the server sent.
  const html = await (await bob.request.get(`${env.server.url}/chat/e2e/`)).text();
  assert.ok(html.includes(text), 'message missing from the server-rendered HTML');
  await bob.reload();
  await waitUntilLive(bob);
  assert.equal(await bob.locator('.message', { hasText: text }).count(), 1);

  assert.deepEqual(alice.errors, [], 'console errors in Alice\'s page');
  assert.deepEqual(bob.errors, [], 'console errors in Bob\'s page');
  await aliceContext.close();
  await bobContext.close();
});

test('the room page is readable with JavaScript off', async () => {
  const context = await env.browser.newContext();
  const page = await newPage(context);
  await logIn(page, env.server.url, 'Carol', 'nojs');
  await page.fill('#composer-text', 'visible without scripts');
  await page.press('#composer-text', 'Enter');
  await page.locator('.message[data-state="sent"]', { hasText: 'visible without scripts' }).waitFor();

  const cookies = await context.cookies();
  const noJs = await env.browser.newContext({ javaScriptEnabled: false });
  await noJs.addCookies(cookies);
  const plain = await noJs.newPage();
  await plain.goto(`${env.server.url}/chat/nojs/`);
  assert.equal(await plain.locator('.message', { hasText: 'visible without scripts' }).count(), 1);
  assert.equal(await plain.locator('.chat-header h1').innerText(), '#nojs');
  await noJs.close();
  await context.close();
});

test('the login form explains what is wrong, without JavaScript too', async () => {
  const context = await env.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.fill('#username', 'System');
  await page.fill('#room', 'ok-room');
  // The browser's own check would stop a pattern mismatch; "System" passes
  // it and is refused by the server.
  await Promise.all([page.waitForURL(/username_error=reserved/), page.click('button[type=submit]')]);
  assert.equal(await page.locator('#username-error').innerText(), 'Username is reserved.');
  assert.equal(await page.inputValue('#room'), 'ok-room');
  await context.close();
});
