// All my rooms in one window, in Chromium: two accounts and five rooms. The
// sidebar's counts move live for the rooms not shown; choosing a room
// switches in place over the one connection (Back and Forward too); a
// reload keeps what was read; a second browser of the same account shows
// the same counts and clears them when the first reads; on a phone the
// rooms are a drawer. With SCREENSHOT_DIR set, the window is saved at
// desktop and phone widths, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { newPage, serverAndBrowser, waitUntilLive } from './support.mjs';

const env = serverAndBrowser({
  env: {
    LOGINS_PER_MINUTE: '1000',
    ROOMS_PER_HOUR: '1000',
    LOGIN_FAILURES_PER_MINUTE: '100',
    SEND_BURST: '100',
    SEND_RATE: '100',
  },
});
const PASSWORD = 'correct horse';
const ROOMS = ['general', 'design', 'ops', 'random'];

/** Registers `username`; resolves to a bearer token of theirs. */
async function register(username) {
  const made = await fetch(`${env.server.url}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(made.status, 201, await made.text());
  const login = await fetch(`${env.server.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const body = await login.text();
  assert.equal(login.status, 200, body);
  return JSON.parse(body).token;
}

/** The official client, signed in with `token`. */
async function socketOf(token) {
  const { io } = await import('socket.io-client');
  const socket = io(env.server.url, { auth: { token }, transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

async function ask(socket, event, payload) {
  const ack = await socket.timeout(10_000).emitWithAck(event, payload);
  assert.ok(ack.ok, `${event} ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
  return ack;
}

/**
 * Signs a new browser context in as `username` and opens `room`; the
 * page's `connections` count its Socket.IO connections from the start.
 */
async function signedIn(username, room, options = {}) {
  const page = await newPage(await env.browser.newContext(options));
  page.connections = countConnections(page);
  await page.goto(env.server.url);
  await page.fill('#username', username);
  await page.fill('#room', room);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`**/chat/${room}/`), page.click('button[type=submit]')]);
  await waitUntilLive(page);
  return page;
}

/**
 * Counts the Socket.IO connections this page opens: a WebSocket or a
 * polling request without a session id starts one (an upgrade carries the
 * id of the connection it upgrades).
 */
function countConnections(page) {
  const seen = { opened: 0 };
  const opens = (address) => {
    const url = new URL(address);
    return url.pathname.startsWith('/socket.io/') && !url.searchParams.has('sid');
  };
  page.on('websocket', (ws) => opens(ws.url()) && seen.opened++);
  page.on('request', (req) => opens(req.url()) && seen.opened++);
  return seen;
}

/** The sidebar link of `label` (a room, or a person for a DM). */
function link(page, label) {
  return page.locator('.sidebar a.room-link', { has: page.locator('.room-name', { hasText: new RegExp(`^${label}$`) }) });
}

/** Waits until the unread badge of `label` reads `count` (no badge for 0). */
async function waitForCount(page, label, count) {
  const badge = link(page, label).locator('.badge:not(.mention)');
  try {
    if (count === 0) await badge.waitFor({ state: 'detached', timeout: 5_000 });
    else await page.waitForFunction(
      ({ label, count }) => [...document.querySelectorAll('.sidebar a.room-link')]
        .find((a) => a.querySelector('.room-name')?.textContent === label)
        ?.querySelector('.badge:not(.mention)')?.textContent === String(count),
      { label, count },
      { timeout: 5_000 },
    );
  } catch (e) {
    const sidebar = await page.locator('.sidebar').innerText();
    throw new Error(`${label} did not come to ${count}; the sidebar reads:\n${sidebar}`, { cause: e });
  }
}

/** Waits until the page shows `room` (its heading `heading`), live. */
async function waitForRoom(page, room, heading = `#${room}`) {
  await page.waitForFunction(
    ({ room, heading }) => document.querySelector('.chat')?.dataset.room === room
      && document.querySelector('.chat-title h1')?.textContent.startsWith(heading),
    { room, heading },
    { timeout: 10_000 },
  );
  await waitUntilLive(page);
  assert.equal(new URL(page.url()).pathname, `/chat/${room}/`);
}

async function shoot(page, name) {
  if (!process.env.SCREENSHOT_DIR) return;
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `${name}.png`) });
}

test('five rooms in one window: live counts, switching in place, Back and Forward, read state everywhere', { timeout: 120_000 }, async () => {
  const [aliceToken, bobToken] = [await register('alice'), await register('bob')];
  // Alice is in four rooms and a DM with Bob; Bob in all of them.
  const aliceSocket = await socketOf(aliceToken);
  for (const room of ROOMS) await ask(aliceSocket, 'join', { room });
  aliceSocket.close();
  const bob = await socketOf(bobToken);
  for (const room of ROOMS) await ask(bob, 'join', { room });
  const dm = await (await fetch(`${env.server.url}/api/dm/alice`, { headers: { authorization: `Bearer ${bobToken}` } })).json();
  await ask(bob, 'join', { room: dm.name });
  await ask(bob, 'send_message', { room: 'general', content: 'morning all' });

  const laptop = await signedIn('alice', 'general', { viewport: { width: 1280, height: 800 } });
  const { connections } = laptop;
  // A mark that a reload would wipe.
  await laptop.evaluate(() => { window.sameDocument = true; });
  await laptop.locator('.message-list li', { hasText: 'morning all' }).waitFor();
  for (const label of [...ROOMS, 'bob']) await link(laptop, label).waitFor();
  assert.equal(await laptop.getAttribute('.sidebar a[aria-current="page"]', 'href'), '/chat/general/');

  // News of rooms not shown moves their counts, live.
  await ask(bob, 'send_message', { room: 'design', content: 'the mockups are up' });
  await ask(bob, 'send_message', { room: 'ops', content: 'deploy at noon' });
  await ask(bob, 'send_message', { room: 'ops', content: 'deploy done' });
  await ask(bob, 'send_message', { room: dm.name, content: 'got a minute?' });
  await waitForCount(laptop, 'design', 1);
  await waitForCount(laptop, 'ops', 2);
  await waitForCount(laptop, 'bob', 1);
  // The room shown is read as its newest message is on screen.
  await waitForCount(laptop, 'general', 0);
  // The most recent activity comes first.
  const order = await laptop.locator('.sidebar .room-links').first().locator('.room-name').allInnerTexts();
  assert.deepEqual(order.slice(0, 2), ['ops', 'design']);
  assert.equal(await laptop.title(), '(4) #general · Chat');
  await shoot(laptop, 'rooms-desktop-light');

  // A second browser of Alice's shows the same counts.
  const desktop = await signedIn('alice', 'random', { viewport: { width: 1280, height: 800 } });
  await waitForCount(desktop, 'design', 1);
  await waitForCount(desktop, 'ops', 2);
  await waitForCount(desktop, 'bob', 1);

  // Choosing a room switches in place: the address changes, the room's
  // messages show under a New divider, and it is read everywhere.
  await link(laptop, 'design').click();
  await waitForRoom(laptop, 'design');
  await laptop.locator('.message-list li', { hasText: 'the mockups are up' }).waitFor();
  assert.equal(await laptop.locator('#first-unread').count(), 1, 'no New divider above the unread message');
  await waitForCount(laptop, 'design', 0);
  await waitForCount(desktop, 'design', 0);
  assert.equal(await laptop.getAttribute('.sidebar a[aria-current="page"]', 'href'), '/chat/design/');

  // Writing in the room switched to goes to that room.
  const heard = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Bob never got "looks great"')), 10_000);
    bob.on('message', (m) => m.content === 'looks great' && (clearTimeout(timer), resolve(m)));
  });
  await laptop.fill('.composer textarea', 'looks great');
  await laptop.keyboard.press('Enter');
  const reply = await heard;
  assert.equal(reply.room, 'design');
  // The room left now counts in the sidebar like any other.
  await ask(bob, 'send_message', { room: 'general', content: 'lunch?' });
  await waitForCount(laptop, 'general', 1);

  // The DM shows under Bob's name.
  await link(laptop, 'bob').click();
  await waitForRoom(laptop, dm.name, '@bob');
  await laptop.locator('.message-list li', { hasText: 'got a minute?' }).waitFor();
  await waitForCount(desktop, 'bob', 0);
  assert.equal(await laptop.title(), '(3) @bob · Chat');

  // Back and Forward go through the rooms shown, in place.
  await laptop.goBack();
  await waitForRoom(laptop, 'design');
  await laptop.locator('.message-list li', { hasText: 'looks great' }).waitFor();
  await laptop.goBack();
  await waitForRoom(laptop, 'general');
  await laptop.locator('.message-list li', { hasText: 'lunch?' }).waitFor();
  await waitForCount(laptop, 'general', 0);
  await laptop.goForward();
  await waitForRoom(laptop, 'design');

  // A room with more news than a screen holds offers to jump to the first
  // of it, which stands under the New divider.
  for (let i = 1; i <= 40; i++) await ask(bob, 'send_message', { room: 'random', content: `standup note ${i}` });
  await waitForCount(laptop, 'random', 40);
  await link(laptop, 'random').click();
  await waitForRoom(laptop, 'random');
  // Opened at its newest message, it is read.
  await waitForCount(laptop, 'random', 0);
  const jump = laptop.locator('button.jump-to-unread');
  await jump.waitFor();
  await jump.click();
  await jump.waitFor({ state: 'detached' });
  const divider = await laptop.locator('#first-unread').boundingBox();
  const list = await laptop.locator('.messages').boundingBox();
  assert.ok(divider.y >= list.y && divider.y < list.y + list.height, 'the divider is not on screen after the jump');
  assert.match(await laptop.locator('#first-unread + li').innerText(), /standup note 1$/m);

  // One page and one connection throughout.
  assert.equal(await laptop.evaluate(() => window.sameDocument), true, 'the page was reloaded');
  assert.equal(connections.opened, 1, 'another Socket.IO connection was opened');

  // A reload keeps what was read: only ops is left.
  await link(laptop, 'design').click();
  await waitForRoom(laptop, 'design');
  await laptop.reload();
  await waitUntilLive(laptop);
  await waitForCount(laptop, 'ops', 2);
  for (const label of ['general', 'design', 'random', 'bob']) {
    assert.equal(await link(laptop, label).locator('.badge').count(), 0, `${label} still counts after reading`);
  }
  assert.equal(await laptop.title(), '(2) #design · Chat');
  assert.deepEqual(laptop.errors, []);
  assert.deepEqual(desktop.errors, []);
  bob.close();
  await laptop.context().close();
  await desktop.context().close();
});

test('on a phone the rooms are a drawer, and choosing one closes it', { timeout: 120_000 }, async () => {
  const token = await register('carol');
  const carol = await socketOf(token);
  for (const room of ['lobby', 'kitchen', 'garden']) await ask(carol, 'join', { room });
  await ask(carol, 'send_message', { room: 'garden', content: 'tomatoes are in' });
  carol.close();

  for (const scheme of ['light', 'dark']) {
    const phone = await signedIn('carol', 'lobby', {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      colorScheme: scheme,
    });
    const sidebar = phone.locator('nav.sidebar');
    assert.equal(await sidebar.evaluate((el) => el.classList.contains('open')), false);
    assert.equal(await link(phone, 'garden').isVisible(), false, 'the room list covers the room on a phone');
    await phone.click('button.drawer-open');
    await link(phone, 'garden').waitFor({ state: 'visible' });
    await shoot(phone, `rooms-phone-drawer-${scheme}`);
    await link(phone, 'kitchen').tap();
    await waitForRoom(phone, 'kitchen');
    await phone.waitForFunction(() => !document.querySelector('nav.sidebar').classList.contains('open'));
    await shoot(phone, `rooms-phone-${scheme}`);
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  }
  // The desktop window in the dark.
  const desktop = await signedIn('carol', 'garden', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  await shoot(desktop, 'rooms-desktop-dark');
  await desktop.context().close();
});
