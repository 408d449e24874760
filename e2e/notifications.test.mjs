// Notifications in the page: while the tab is hidden, new messages are
// counted in its title and shown as desktop notifications through the
// service worker; "Enable notifications" asks the browser, registers the
// worker and subscribes with the server's key, and says plainly when the
// browser cannot. (The browsers here reach no push service, so the
// subscription itself is refused; the server's side of Web Push is tested
// against a fake push service in the server's tests.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, logIn, newPage, serverAndBrowser } from './support.mjs';

const env = serverAndBrowser();

/** The tab goes to the background (or comes back), as when the reader switches tabs. */
async function setHidden(page, hidden) {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Notifications the service worker shows now. */
function shownNotifications(page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    const shown = registration ? await registration.getNotifications() : [];
    return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url }));
  });
}

async function pageWithNotifications(username, room) {
  const context = await env.browser.newContext();
  await context.grantPermissions(['notifications'], { origin: env.server.url });
  const page = await newPage(context);
  await logIn(page, env.server.url, username, room);
  return page;
}

test('messages that arrive while the tab is hidden are counted in its title and notified', async () => {
  const page = await pageWithNotifications('Reader', 'alerts');
  assert.equal(await page.title(), '#alerts · Chat');
  // Notifications were allowed: the page registers its service worker.
  const worker = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
  assert.equal(worker, `${env.server.url}/sw.js`);

  const bob = await connectSocket(env.server.url, 'Bob', 'alerts');
  // Seen while the tab is in front: no count, no notification.
  await bob.emitWithAck('send_message', { room: 'alerts', content: 'while you look' });
  await page.locator('.message', { hasText: 'while you look' }).waitFor();
  // Read once it has been on screen a moment.
  await page.waitForFunction(() => document.title === '#alerts · Chat');

  await setHidden(page, true);
  for (const text of ['one', 'two', 'three']) {
    const ack = await bob.emitWithAck('send_message', { room: 'alerts', content: text });
    assert.equal(ack.ok, true);
  }
  await page.waitForFunction(() => document.title === '(3) #alerts · Chat');
  // The reader's own messages (from another tab) are not news to them.
  const me = await connectSocket(env.server.url, 'Reader', 'alerts');
  await me.emitWithAck('send_message', { room: 'alerts', content: 'from my phone' });
  await page.locator('.message', { hasText: 'from my phone' }).waitFor();
  assert.equal(await page.title(), '(3) #alerts · Chat');

  await page.waitForFunction(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return (await registration.getNotifications()).length > 0;
  });
  const shown = await shownNotifications(page);
  // One per room: each newer message replaces the one before.
  assert.equal(shown.length, 1, JSON.stringify(shown));
  assert.deepEqual(shown[0], {
    title: '#alerts',
    body: 'Bob: three',
    tag: 'alerts',
    url: `${env.server.url}/chat/alerts/`,
  });

  await setHidden(page, false);
  await page.waitForFunction(() => document.title === '#alerts · Chat');
  bob.disconnect();
  me.disconnect();
  assert.deepEqual(page.errors, []);
});

test('enabling notifications asks the browser and says why when it cannot subscribe', async () => {
  const page = await pageWithNotifications('Subscriber', 'alerts');
  const toggle = page.locator('.push-toggle');
  await toggle.waitFor();
  assert.equal(await toggle.innerText(), 'Enable notifications');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');

  // The page asks the server for its key, then the browser for a subscription.
  const config = page.waitForResponse((r) => r.url().endsWith('/api/push/config'));
  await toggle.click();
  const key = (await (await config).json()).webpush.public_key;
  assert.equal(key.length, 87);
  await page.waitForSelector('.push-toggle:not([data-push="working"])');
  assert.equal(await toggle.getAttribute('data-push'), 'failed');
  const error = await page.locator('.push-error').innerText();
  assert.match(error, /^The browser could not subscribe \(.+\)\. Try again later\.$/);
  // The reader may try again.
  assert.equal(await toggle.isEnabled(), true);
  assert.equal(await toggle.innerText(), 'Enable notifications');
});

test('a browser that refuses notifications shows them as blocked', async () => {
  const context = await env.browser.newContext();
  const page = await newPage(context);
  await logIn(page, env.server.url, 'Refuser', 'alerts');
  const toggle = page.locator('.push-toggle');
  await toggle.waitFor();
  // Headless Chromium refuses the permission prompt it cannot show.
  await toggle.click();
  await page.waitForSelector('.push-toggle[data-push="blocked"]');
  assert.equal(await toggle.innerText(), 'Notifications blocked');
  assert.equal(await toggle.isEnabled(), false);
  assert.match(await toggle.getAttribute('title'), /allow them in the browser's site settings/);
});
