// Accounts in the browser: a guest protects their name from the room page,
// signs in with the password on the login form (a guest login with the name
// is told it is protected), and signs another browser out from the account
// page, whose room page then says so and returns to the login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, newPage, serverAndBrowser, waitUntilLive } from './support.mjs';

const env = serverAndBrowser({ env: { LOGINS_PER_MINUTE: '1000', LOGIN_FAILURES_PER_MINUTE: '100' } });
const PASSWORD = 'correct horse';

/** Fills the login form, with a password when given, and submits it. */
async function submitLogin(page, username, room, password) {
  await page.goto(env.server.url);
  await page.fill('#username', username);
  await page.fill('#room', room);
  if (password) await page.fill('#password', password);
  await page.click('button[type=submit]');
}

test('a guest protects their name, and from then on it takes the password', async () => {
  const alice = await newPage(await env.browser.newContext({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' }));
  await logIn(alice, env.server.url, 'Alice', 'team');
  // Someone else is chatting under the same name as a guest.
  const impostor = await newPage(await env.browser.newContext());
  await logIn(impostor, env.server.url, 'Alice', 'team');

  await alice.click('a.protect');
  await alice.waitForURL('**/account?room=team');
  assert.match(await alice.locator('main').innerText(), /a guest/);
  // A weak password is refused with a reason.
  await alice.fill('#password', 'password1');
  await Promise.all([alice.waitForURL(/error=weak_password/), alice.click('form[action="/account/claim"] button')]);
  assert.match(await alice.locator('.admin-error').innerText(), /at least 8 characters/);
  await alice.fill('#password', PASSWORD);
  await Promise.all([alice.waitForURL('**/chat/team/'), alice.click('form[action="/account/claim"] button')]);
  await waitUntilLive(alice);
  assert.equal(await alice.locator('a.protect').count(), 0, 'still offered to protect a protected name');

  // The impostor's page says they were signed out and goes to the login.
  await impostor.locator('.banner', { hasText: 'You were signed out' }).waitFor({ timeout: 5_000 });
  await impostor.waitForURL(/\/\?ended=1/, { timeout: 15_000 });
  assert.match(await impostor.locator('.form-error').innerText(), /You were signed out/);
  // Logging in as the guest Alice again is refused, on the form.
  await submitLogin(impostor, 'alice', 'team');
  await impostor.waitForURL(/password_error=claimed/);
  assert.equal(await impostor.locator('#password-error').innerText(), 'This name is protected: enter its password.');
  await submitLogin(impostor, 'Alice', 'team', 'wrong horse');
  await impostor.waitForURL(/password_error=bad_credentials/);
  assert.equal(await impostor.locator('#password-error').innerText(), 'Wrong name or password.');
  // The password signs in.
  await submitLogin(impostor, 'Alice', 'team', PASSWORD);
  await impostor.waitForURL('**/chat/team/');
  await waitUntilLive(impostor);
  await alice.context().close();
  await impostor.context().close();
});

test('the account page signs another browser out, which then returns to the login', async () => {
  const laptop = await newPage(await env.browser.newContext({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' }));
  const phone = await newPage(await env.browser.newContext({
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
  }));
  const registered = await fetch(`${env.server.url}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'Carol', password: PASSWORD }),
  });
  assert.equal(registered.status, 201, await registered.text());
  for (const page of [laptop, phone]) {
    await submitLogin(page, 'Carol', 'ops', PASSWORD);
    await page.waitForURL('**/chat/ops/');
    await waitUntilLive(page);
  }

  await laptop.click('a.me-name');
  await laptop.waitForURL('**/account?room=ops');
  const rows = laptop.locator('tbody tr');
  // The registration's own session, the laptop's and the phone's.
  assert.equal(await rows.count(), 3);
  assert.equal(await rows.filter({ hasText: 'This browser' }).locator('td').first().innerText(), 'Firefox on Linux');
  const phoneRow = rows.filter({ hasText: 'Safari on iPhone' });
  await Promise.all([laptop.waitForURL(/done=ended/), phoneRow.locator('button', { hasText: 'Sign out' }).click()]);
  assert.match(await laptop.locator('.admin-notice').innerText(), /signed out/);
  assert.equal(await rows.count(), 2);

  // The phone is told at once, then sent to the login, which says why.
  await phone.locator('.banner', { hasText: 'You were signed out' }).waitFor({ timeout: 5_000 });
  await phone.waitForURL(/\/\?ended=1/, { timeout: 15_000 });
  await phone.goto(`${env.server.url}/chat/ops/`);
  await phone.waitForURL(/^[^?]*\/\?/);
  assert.equal(await phone.locator('#username').count(), 1, 'the phone is still signed in');

  // Everywhere else: the registration's session goes too.
  await Promise.all([laptop.waitForURL(/done=ended_others/), laptop.click('button:has-text("Sign out everywhere else")')]);
  assert.equal(await rows.count(), 1);
  assert.deepEqual(laptop.errors, []);
  await laptop.context().close();
  await phone.context().close();
});

test('the official JavaScript client is told its session ended, closed, and refused on reconnecting', async () => {
  const { io } = await import('socket.io-client');
  const json = (path, body, token) => fetch(`${env.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const registered = await (await json('/api/register', { username: 'Erin', password: PASSWORD })).json();
  const other = await (await json('/api/login', { username: 'Erin', password: PASSWORD })).json();
  const socket = io(env.server.url, { auth: { token: other.token }, transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const told = new Promise((resolve) => socket.once('session_ended', resolve));
  const closed = new Promise((resolve) => socket.once('disconnect', resolve));
  const ended = await fetch(`${env.server.url}/api/account/sessions`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${registered.token}` },
  });
  assert.equal(ended.status, 200, await ended.text());
  const within = (promise, what) => Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 2 s`)), 2_000)),
  ]);
  await within(told, 'session_ended');
  await within(closed, 'disconnect');
  const again = io(env.server.url, { auth: { token: other.token }, transports: ['websocket'], reconnection: false });
  const error = await new Promise((resolve, reject) => {
    again.once('connect', () => reject(new Error('an ended session connected')));
    again.once('connect_error', resolve);
  });
  assert.match(error.message, /^session_ended/);
  again.close();
});
