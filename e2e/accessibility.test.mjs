// Every reader: axe-core (WCAG 2.1 A and AA, and best practice) finds
// nothing on the login page, the room page in each of its states, the
// lightbox and every admin page, in light and dark, at desktop and phone
// widths; the keyboard reaches every control and shows where it is.
// With SCREENSHOT_DIR set, each audited state is also saved as a picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  connectSocket,
  connectStaffSocket,
  logIn,
  makePng,
  newPage,
  seedMessages,
  serverAndBrowser,
  staffSignIn,
  startServer,
} from './support.mjs';

const STAFF = { username: 'Boss', password: 'a long password' };
// Every test logs in a few times from this one address.
const env = serverAndBrowser({
  staff: STAFF,
  env: { LOGINS_PER_MINUTE: '1000', ROOMS_PER_HOUR: '1000', LOGIN_FAILURES_PER_MINUTE: '100' },
});

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const VIEWS = [
  { scheme: 'light', width: 'desktop', viewport: { width: 1280, height: 800 } },
  { scheme: 'dark', width: 'desktop', viewport: { width: 1280, height: 800 } },
  { scheme: 'light', width: 'phone', viewport: { width: 390, height: 844 } },
  { scheme: 'dark', width: 'phone', viewport: { width: 390, height: 844 } },
];

/** A browser context in `view`'s colour scheme and size. */
async function pageIn(view) {
  const context = await env.browser.newContext({
    colorScheme: view.scheme,
    viewport: view.viewport,
    isMobile: view.width === 'phone',
    hasTouch: view.width === 'phone',
  });
  return newPage(context);
}

/** Runs axe on the page as it is; fails listing every violation found. */
async function audit(page, what, view) {
  // The page's own scripts finish their transitions first (colours that
  // fade in are measured as they end).
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(250);
  if (process.env.SCREENSHOT_DIR) {
    const name = `${what}-${view.width}-${view.scheme}.png`.replace(/[^a-z0-9.-]+/gi, '-');
    await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, name), fullPage: true });
  }
  const violations = await page.evaluate(async ({ source, rules }) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: rules } });
    return result.violations.map((v) => ({
      rule: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  }, { source: axeSource, rules: RULES });
  const report = violations.map((v) => `${v.rule} (${v.help}):\n    ${v.nodes.join('\n    ')}`).join('\n  ');
  assert.equal(violations.length, 0, `${what}, ${view.width}, ${view.scheme}:\n  ${report}`);
}

/** Uploads a picture as `token`'s user into `room`. */
async function shareImage(baseUrl, token, room, caption) {
  const form = new FormData();
  form.append('image', new Blob([await makePng(64, 48)], { type: 'image/png' }), 'chart.png');
  form.append('caption', caption);
  const res = await fetch(`${baseUrl}/api/chat/${room}/images/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.text());
}

/** A room with text, an edited line, a deleted one and an image. */
async function busyRoom(room) {
  const alice = await connectSocket(env.server.url, 'Alice', room);
  await seedMessages(alice, room, 3, (i) => `line ${i}: the **quarterly** numbers are in`);
  const [edited, deleted] = await seedMessages(alice, room, 2, (i) => `to change ${i}`);
  await alice.timeout(10_000).emitWithAck('edit_message', { room, id: edited, content: 'changed once' });
  await alice.timeout(10_000).emitWithAck('delete_message', { room, id: deleted });
  const login = await (await fetch(`${env.server.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'Alice', room }),
  })).json();
  await shareImage(env.server.url, login.token, room, 'the chart');
  return alice;
}

for (const view of VIEWS) {
  test(`the login page, ${view.width}, ${view.scheme}`, async () => {
    const page = await pageIn(view);
    await page.goto(env.server.url);
    await audit(page, 'login', view);
    // With the form's errors showing.
    await page.fill('#username', 'Boss');
    await page.fill('#room', 'general');
    await Promise.all([page.waitForURL(/username_error/), page.click('button[type=submit]')]);
    await page.locator('#username-error').waitFor();
    await audit(page, 'login-error', view);
    await page.context().close();
  });

  test(`the room page and its lightbox, ${view.width}, ${view.scheme}`, async () => {
    const room = `read-${view.width}-${view.scheme}`;
    const alice = await busyRoom(room);
    const page = await pageIn(view);
    await logIn(page, env.server.url, 'Bob', room);
    await page.fill('#composer-text', 'a line of my own');
    await page.keyboard.press('Enter');
    await page.locator('.message.mine[data-state="sent"]').waitFor();
    await page.locator('.message img[src^="/media/"]').waitFor();
    await audit(page, 'room', view);

    await page.locator('.message img[src^="/media/"]').click();
    await page.locator('.lightbox img').waitFor();
    await audit(page, 'lightbox', view);
    await page.keyboard.press('Escape');
    await page.locator('.lightbox').waitFor({ state: 'detached' });
    assert.deepEqual(page.errors, []);
    alice.disconnect();
    await page.context().close();
  });

  test(`the muted room page, ${view.width}, ${view.scheme}`, async () => {
    const room = `hush-${view.width}-${view.scheme}`;
    const page = await pageIn(view);
    await logIn(page, env.server.url, 'Carol', room);
    const boss = await connectStaffSocket(env.server.url, STAFF.username, STAFF.password);
    const muted = await boss.timeout(10_000).emitWithAck('mute', { room, username: 'Carol', minutes: 30 });
    assert.equal(muted.ok, true);
    await page.locator('.muted-notice').waitFor();
    await audit(page, 'muted', view);
    boss.disconnect();
    await page.context().close();
  });

  test(`the room page while offline, ${view.width}, ${view.scheme}`, async () => {
    const server = await startServer();
    const page = await pageIn(view);
    try {
      await logIn(page, server.url, 'Dan', 'outage');
      await server.stop();
      await page.locator('.banner.offline').waitFor();
      // Who is online cannot be known while offline: no stale count.
      assert.equal(await page.locator('.online').innerText(), '');
      await page.fill('#composer-text', 'waiting to go out');
      await page.keyboard.press('Enter');
      await page.locator('.message.mine[data-state="pending"]').waitFor();
      await audit(page, 'offline', view);
    } finally {
      await page.context().close();
      await server.stop();
    }
  });

  test(`the account page, as a guest and as an account, ${view.width}, ${view.scheme}`, async () => {
    const room = `acct-${view.width}-${view.scheme}`;
    const name = `Acc_${view.width}_${view.scheme}`;
    const page = await pageIn(view);
    await logIn(page, env.server.url, name, room);
    await page.click('a.protect');
    await page.waitForURL('**/account?room=*');
    await audit(page, 'account-guest', view);
    await page.fill('#password', 'password1');
    await Promise.all([page.waitForURL(/error=/), page.click('form[action="/account/claim"] button')]);
    await audit(page, 'account-guest-error', view);
    await page.fill('#password', 'correct horse');
    await Promise.all([page.waitForURL(`**/chat/${room}/`), page.click('form[action="/account/claim"] button')]);
    // A second sign-in, so the list has a session to sign out.
    const other = await (await fetch(`${env.server.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (iPhone) Safari/604.1' },
      body: JSON.stringify({ username: name, password: 'correct horse' }),
    })).json();
    assert.ok(other.token, JSON.stringify(other));
    await page.goto(`${env.server.url}/account?room=${room}`);
    await audit(page, 'account', view);
    // The login form asking for the password of a protected name.
    await page.context().clearCookies();
    await page.goto(env.server.url);
    await page.fill('#username', name);
    await page.fill('#room', room);
    await Promise.all([page.waitForURL(/password_error/), page.click('button[type=submit]')]);
    await audit(page, 'login-protected', view);
    await page.context().close();
  });

  test(`every admin page, ${view.width}, ${view.scheme}`, async () => {
    const room = `admin-${view.width}-${view.scheme}`;
    const alice = await busyRoom(room);
    const page = await pageIn(view);
    await page.goto(`${env.server.url}/admin/login`);
    await audit(page, 'admin-login', view);
    await page.fill('#username', STAFF.username);
    await page.fill('#password', 'not the password');
    await page.click('button[type=submit]');
    await page.locator('[role=alert]').waitFor();
    await audit(page, 'admin-login-error', view);

    await staffSignIn(page, env.server.url, STAFF.username, STAFF.password);
    await page.fill('#impose-username', 'Alice');
    await page.fill('#impose-room', room);
    await page.fill('#impose-minutes', '15');
    await Promise.all([page.waitForURL(/done=/), page.click('.impose button[type=submit]')]);
    await audit(page, 'admin-overview', view);

    await page.goto(`${env.server.url}/admin/rooms/${room}/`);
    await page.locator('.room-log').waitFor();
    await audit(page, 'admin-room', view);

    // Accounts, and the page that shows a new account's password once.
    await page.click('.admin-nav a:has-text("Accounts")');
    await page.waitForURL('**/admin/accounts/');
    await page.fill('#new-username', `Made_${view.width}_${view.scheme}`);
    await page.click('form[action="/admin/accounts/"] button');
    await page.locator('.admin-notice', { hasText: 'shown only now' }).waitFor();
    await audit(page, 'admin-accounts', view);
    alice.disconnect();
    await page.context().close();
  });
}

test('the keyboard reaches every control of the room page and shows where it is', async () => {
  const room = 'keys';
  const alice = await busyRoom(room);
  const page = await pageIn(VIEWS[0]);
  await logIn(page, env.server.url, 'Bob', room);
  await page.fill('#composer-text', 'mine to edit');
  await page.keyboard.press('Enter');
  const mine = page.locator('.message.mine[data-state="sent"]', { hasText: 'mine to edit' });
  await mine.waitFor();
  await page.locator('.message img[src^="/media/"]').waitFor();
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.activeElement?.blur());

  // Tab through the page: each stop is visible, with a focus indicator.
  const stops = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      let hidden = false;
      for (let e = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.visibility === 'hidden' || Number(s.opacity) === 0 || s.display === 'none') hidden = true;
      }
      return {
        name: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.dataset.action ? `[${el.dataset.action}]` : ''}`,
        action: el.dataset.action ?? null,
        image: !!el.closest('.message') && !!el.querySelector('img'),
        visible: !hidden && box.width > 0 && box.height > 0,
        indicated: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 || style.boxShadow !== 'none',
      };
    });
    if (stop) stops.push(stop);
  }
  const invisible = stops.filter((s) => !s.visible || !s.indicated).map((s) => s.name);
  assert.deepEqual(invisible, [], `focused but not shown: ${invisible.join(', ')}`);
  const names = stops.map((s) => s.name);
  for (const control of ['textarea#composer-text', 'button[edit]', 'button[delete]']) {
    assert.ok(names.includes(control), `${control} is not reachable by Tab: ${names.join(', ')}`);
  }
  assert.ok(stops.some((s) => s.image), `no image opens from the keyboard: ${names.join(', ')}`);
  alice.disconnect();
  await page.context().close();
});

test('the lightbox holds the focus until Escape, then gives it back', async () => {
  const room = 'gallery';
  const alice = await busyRoom(room);
  const page = await pageIn(VIEWS[0]);
  await logIn(page, env.server.url, 'Bob', room);
  const opener = page.locator('.message .image a', { has: page.locator('img[src^="/media/"]') });
  await opener.waitFor();
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.locator('.lightbox');
  await dialog.locator('img').waitFor();
  assert.equal(await dialog.getAttribute('role'), 'dialog');
  assert.equal(await dialog.locator('img').getAttribute('alt'), 'the chart');
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'the focus left the lightbox');
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await opener.evaluate((link) => link === document.activeElement), 'the focus did not return to the image');
  alice.disconnect();
  await page.context().close();
});
