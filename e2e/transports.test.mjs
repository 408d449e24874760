// The room works on either transport. Behind a proxy that refuses
// WebSocket upgrades the page falls back to long-polling, and everything a
// reader does still works: history, sending and receiving, an image, and
// reconnecting after the server restarts. Where only the first WebSocket is
// refused, the polling session upgrades to one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectSocket, launchBrowser, logIn, makePng, newPage, nextEvent, seedMessages, startNginx, startServer, waitUntilLive } from './support.mjs';

const env = {};

// What each proxy refuses: `$refused` is 1 for a request it answers 403.
const PROXIES = {
  // Passes everything, WebSocket upgrades included.
  open: 'default 0;',
  // Refuses every WebSocket upgrade, as some office proxies do.
  'no-websocket': '"~^websocket" 1; default 0;',
  // Refuses a WebSocket that would open a session, but lets an existing
  // (polling) session upgrade.
  'no-new-websocket': '"~^websocket:$" 1; default 0;',
};

function proxySite(upstream, refuse) {
  return (port) => `
map "$http_upgrade:$arg_sid" $refused {
  ${refuse}
}
map $http_upgrade $connection_upgrade {
  default upgrade;
  ""      "";
}
server {
  listen 127.0.0.1:${port};
  location / {
    if ($refused) {
      return 403;
    }
    proxy_pass http://${upstream};
    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_read_timeout 75s;
    proxy_request_buffering off;
  }
}
`;
}

before(async () => {
  env.server = await startServer();
  env.proxies = {};
  for (const [name, refuse] of Object.entries(PROXIES)) {
    env.proxies[name] = await startNginx(proxySite(env.server.addr, refuse));
  }
  env.browser = await launchBrowser();
});

after(async () => {
  await env.browser?.close();
  for (const proxy of Object.values(env.proxies ?? {})) await proxy.stop();
  await env.server?.stop();
});

/** Waits until the room page's connection is carried by `transport`. */
async function onTransport(page, transport) {
  await page.waitForSelector(`.chat[data-transport="${transport}"]`, { timeout: 15_000 });
}

for (const [proxy, transport] of [['no-websocket', 'polling'], ['open', 'websocket']]) {
  test(`a reader on ${transport} reads, sends, receives, shares an image and reconnects`, async () => {
    const room = `reach-${transport}`;
    const url = env.proxies[proxy].url;
    // Bob, straight on the server, has said something already.
    const bob = await connectSocket(env.server.url, 'Bob', room);
    await seedMessages(bob, room, 3, (i) => `earlier ${i}`);

    const alice = await newPage(await env.browser.newContext());
    await logIn(alice, url, 'Alice', room);
    await onTransport(alice, transport);
    await alice.locator('.message', { hasText: 'earlier 2' }).waitFor();

    // Live both ways.
    const toBob = nextEvent(bob, 'message');
    await alice.fill('#composer-text', `hello over ${transport}`);
    await alice.press('#composer-text', 'Enter');
    assert.equal((await toBob).content, `hello over ${transport}`);
    await alice.locator('.message.mine[data-state="sent"]', { hasText: `hello over ${transport}` }).waitFor();
    await bob.timeout(10_000).emitWithAck('typing', { room, typing: true });
    await alice.locator('.typing', { hasText: 'Bob' }).waitFor();
    await bob.timeout(10_000).emitWithAck('send_message', { room, content: 'hi Alice' });
    await alice.locator('.message', { hasText: 'hi Alice' }).waitFor();

    // An image, uploaded and then shown to Bob.
    const imageToBob = nextEvent(bob, 'message');
    const png = await makePng(16, 16);
    await alice.setInputFiles('.composer input[type=file]', { name: 'dot.png', mimeType: 'image/png', buffer: png });
    assert.equal((await imageToBob).content_type, 'image');
    await alice.locator('.message.mine[data-state="sent"] img[src^="/media/chat_images/img_"]').waitFor();

    // The server restarts: the page reconnects on the same transport and
    // catches up with what was said meanwhile.
    bob.disconnect();
    await env.server.stop({ keepData: true });
    await alice.waitForSelector('.chat[data-connection="offline"]', { timeout: 60_000 });
    env.server = await startServer({ dataDir: env.server.dataDir, addr: env.server.addr });
    const carol = await connectSocket(env.server.url, 'Carol', room);
    await carol.timeout(10_000).emitWithAck('send_message', { room, content: 'while you were away' });
    await waitUntilLive(alice);
    await alice.locator('.message', { hasText: 'while you were away' }).waitFor({ timeout: 30_000 });
    await onTransport(alice, transport);
    const toCarol = nextEvent(carol, 'message');
    await alice.fill('#composer-text', 'back again');
    await alice.press('#composer-text', 'Enter');
    assert.equal((await toCarol).content, 'back again');
    assert.equal(await alice.locator('.message', { hasText: 'hi Alice' }).count(), 1, 'nothing twice');
    carol.disconnect();
  });
}

test('a polling session upgrades to a WebSocket when one can be opened', async () => {
  const room = 'reach-upgrade';
  // The earlier tests' clients may still be closing: count once it is still.
  const before = await settledConnections();
  const alice = await newPage(await env.browser.newContext());
  await logIn(alice, env.proxies['no-new-websocket'].url, 'Alice', room);
  await onTransport(alice, 'websocket');
  // Still one session, and live on it.
  const bob = await connectSocket(env.server.url, 'Bob', room);
  await bob.timeout(10_000).emitWithAck('send_message', { room, content: 'after the upgrade' });
  await alice.locator('.message', { hasText: 'after the upgrade' }).waitFor();
  const toBob = nextEvent(bob, 'message');
  await alice.fill('#composer-text', 'on the WebSocket now');
  await alice.press('#composer-text', 'Enter');
  assert.equal((await toBob).content, 'on the WebSocket now');
  // Alice's one session and Bob's: the polling session became the
  // WebSocket, no second session was opened.
  assert.equal(await openConnections(), before + 2);
  bob.disconnect();
});

/** How many Socket.IO connections the server has open. */
/** The open connections, once the count stays the same for half a second. */
async function settledConnections() {
  let count = await openConnections();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await openConnections();
    if (again === count) return count;
    count = again;
  }
}

async function openConnections() {
  const metrics = await (await fetch(`${env.server.url}/metrics`)).text();
  return Number(metrics.match(/^chat_socket_connections_open (\d+)/m)?.[1]);
}
