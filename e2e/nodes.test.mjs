// Two nodes behind the shipped nginx configuration (deploy/nginx/chat.conf),
// sharing PostgreSQL and Redis: a browser and the official JavaScript client
// (long-polling, which only works with sticky sessions) chat through it, and
// when the browser's node is killed it carries on through the other one,
// with what it missed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectSocket, launchBrowser, logIn, newPage, nextEvent, startNginx, startServer, waitUntilLive } from './support.mjs';

const postgres = process.env.TEST_POSTGRES_URL;
const redis = process.env.TEST_REDIS_URL;
const skip = postgres && redis ? false : 'needs TEST_POSTGRES_URL and TEST_REDIS_URL (scripts/services.sh sets them)';

const env = {};

before(async () => {
  if (skip) return;
  env.database = `chat_scratch_e2e_${randomBytes(6).toString('hex')}`;
  execFileSync('psql', ['-d', postgres, '-qc', `CREATE DATABASE ${env.database}`]);
  const url = new URL(postgres);
  url.pathname = `/${env.database}`;
  const shared = {
    DATABASE_URL: url.toString(),
    REDIS_URL: redis,
    REDIS_PREFIX: env.database,
    SECRET_KEY: randomBytes(32).toString('hex'),
    TRUSTED_PROXIES: '127.0.0.1/32',
  };
  env.nodes = [await startServer({ env: shared }), await startServer({ env: shared })];
  env.nginx = await startShippedNginx(env.nodes);
  env.browser = await launchBrowser();
});

after(async () => {
  if (skip) return;
  await env.browser?.close();
  await env.nginx?.stop();
  for (const node of env.nodes ?? []) await node.stop().catch(() => {});
  execFileSync('psql', ['-d', postgres, '-qc', `DROP DATABASE IF EXISTS ${env.database} WITH (FORCE)`]);
  execFileSync('redis-cli', ['-u', redis, '--no-raw', 'EVAL',
    "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", '0', `{${env.database}}:*`]);
});

test('a browser and the official client chat through nginx, and survive the loss of a node', { skip }, async () => {
  const alice = await newPage(await env.browser.newContext());
  await logIn(alice, env.nginx.url, 'Alice', 'nodes');
  const home = await nodeWithSockets(env.nodes, 1);
  const other = env.nodes.find((node) => node !== home);

  // Bob polls through nginx: every request must reach the node that opened
  // his session.
  const bob = await connectSocket(env.nginx.url, 'Bob', 'nodes', { transports: ['polling'] });
  await alice.locator('.notice', { hasText: 'Bob joined' }).waitFor();
  const sent = await bob.timeout(10_000).emitWithAck('send_message', { room: 'nodes', content: 'hello through nginx' });
  assert.equal(sent.ok, true, JSON.stringify(sent));
  await alice.locator('.message', { hasText: 'hello through nginx' }).waitFor();
  const toBob = nextEvent(bob, 'message');
  await alice.fill('#composer-text', 'hi Bob');
  await alice.press('#composer-text', 'Enter');
  assert.equal((await toBob).content, 'hi Bob');

  // Carol, straight on the other node, reaches Alice's page through Redis.
  const carol = await connectSocket(other.url, 'Carol', 'nodes');
  await carol.timeout(10_000).emitWithAck('send_message', { room: 'nodes', content: 'from the other node' });
  await alice.locator('.message', { hasText: 'from the other node' }).waitFor();

  // Alice's node dies; Carol talks meanwhile.
  await home.kill();
  await carol.timeout(10_000).emitWithAck('send_message', { room: 'nodes', content: 'while your node was down' });
  // Alice's page reconnects through nginx to the surviving node and catches up.
  await alice.locator('.message', { hasText: 'while your node was down' }).waitFor({ timeout: 30_000 });
  await waitUntilLive(alice);
  const toCarol = nextEvent(carol, 'message');
  await alice.fill('#composer-text', 'back on another node');
  await alice.press('#composer-text', 'Enter');
  assert.equal((await toCarol).content, 'back on another node');
  await alice.locator('.message.mine[data-state="sent"]', { hasText: 'back on another node' }).waitFor();
  assert.equal(await alice.locator('.message', { hasText: 'hello through nginx' }).count(), 1, 'nothing twice');

  bob.disconnect();
  carol.disconnect();
});

/** nginx with the shipped site configuration, its upstreams pointed at `nodes`. */
function startShippedNginx(nodes) {
  return startNginx((port) => {
    const site = readFileSync('deploy/nginx/chat.conf', 'utf8')
      .replace('server chat1:3000', `server ${nodes[0].addr}`)
      .replace('server chat2:3000', `server ${nodes[1].addr}`)
      .replace('listen 80;', `listen 127.0.0.1:${port};`);
    assert.equal(site.split('127.0.0.1').length - 1, 3, 'the upstreams and the listen line were found');
    return site;
  });
}

/** The node with `count` open Socket.IO connections, from its metrics. */
async function nodeWithSockets(nodes, count) {
  for (const node of nodes) {
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    const open = Number(metrics.match(/^chat_socket_connections_open (\d+)/m)?.[1]);
    if (open === count) return node;
  }
  throw new Error(`no node has ${count} open connections`);
}
