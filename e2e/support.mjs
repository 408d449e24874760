// Starts the real server binary on a free port with a fresh data directory,
// and Debian's Chromium through playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const serverBin = process.env.SERVER_BIN ?? 'target/debug/server';
const siteRoot = process.env.SITE_ROOT ?? 'target/site';

/**
 * Starts a server; resolves to { url, stop() } once it listens. `options.env`
 * adds settings; `options.addr` reuses an address (for a restart).
 */
export async function startServer({ dataDir = mkdtempSync(join(tmpdir(), 'chat-e2e-')), env = {}, addr = '127.0.0.1:0', staff } = {}) {
  if (staff) createSuperuser(dataDir, staff.username, staff.password);
  const child = spawn(serverBin, [], {
    env: {
      ...process.env,
      ...env,
      LEPTOS_SITE_ADDR: addr,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_OUTPUT_NAME: 'chat',
      DATA_DIR: dataDir,
      MEDIA_DIR: join(dataDir, 'media'),
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The log goes on to this process's; a panic anywhere in the server fails
  // the test that stops it.
  const panics = [];
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    for (const line of String(chunk).split('\n')) if (line.includes('panicked')) panics.push(line);
  });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
  return {
    url,
    dataDir,
    addr: new URL(url).host,
    /** Kills the process outright (SIGKILL): no goodbye to anyone. */
    async kill() {
      await stopped(child, 'SIGKILL');
    },
    async stop({ keepData = false } = {}) {
      await stopped(child, 'SIGTERM');
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
      if (panics.length) throw new Error(`the server panicked:\n${panics.splice(0).join('\n')}`);
    },
  };
}

/** Creates a staff account in `dataDir` with `server create-superuser`. */
export function createSuperuser(dataDir, username, password) {
  const made = spawnSync(serverBin, ['create-superuser', '--username', username], {
    env: { ...process.env, DATA_DIR: dataDir, RUST_LOG: 'warn' },
    input: `${password}\n`,
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`create-superuser failed: ${made.stderr}`);
}

/** Sends `signal` to `child` unless it has already exited, and waits until it has. */
async function stopped(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Launches headless Chromium with the flags this offline machine needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that records console errors and uncaught exceptions. */
export async function newPage(context) {
  const page = await context.newPage();
  page.errors = [];
  page.consoleLines = [];
  page.on('console', (msg) => {
    page.consoleLines.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') page.errors.push(msg.text());
  });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  page.on('response', (res) => {
    if (res.status() >= 400) page.errors.push(`${res.status()} ${res.url()}`);
  });
  return page;
}

/** Logs in through the form and waits for the room to be live. */
export async function logIn(page, baseUrl, username, room) {
  await page.goto(baseUrl);
  await page.fill('#username', username);
  await page.fill('#room', room);
  await Promise.all([page.waitForURL(`**/chat/${room}/`), page.click('button[type=submit]')]);
  await waitUntilLive(page);
}

/** Waits until the room page has joined its room over Socket.IO. */
export async function waitUntilLive(page) {
  try {
    await page.waitForSelector('.chat[data-connection="connected"]', { timeout: 15_000 });
  } catch (e) {
    const state = await page.getAttribute('.chat', 'data-connection').catch(() => 'no page');
    const console = (page.consoleLines ?? []).slice(-20).join('\n');
    throw new Error(`the room did not go live (${state}); console:\n${console}`, { cause: e });
  }
}

/**
 * A Socket.IO connection with the official JavaScript client, logged in as
 * `username` and joined to `room` (WebSocket unless `transports` says).
 */
export async function connectSocket(baseUrl, username, room, { transports = ['websocket'] } = {}) {
  const { io } = await import('socket.io-client');
  const login = await fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, room }),
  });
  if (login.status !== 200) throw new Error(`login of ${username}: ${login.status}`);
  const { token } = await login.json();
  const socket = io(baseUrl, { auth: { token }, transports, reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const joined = await socket.timeout(10_000).emitWithAck('join', { room });
  if (!joined.ok) throw new Error(`join failed: ${JSON.stringify(joined)}`);
  return socket;
}

/** A staff member's Socket.IO connection (signed in with the password). */
export async function connectStaffSocket(baseUrl, username, password) {
  const { io } = await import('socket.io-client');
  const login = await fetch(`${baseUrl}/api/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (login.status !== 200) throw new Error(`staff login of ${username}: ${login.status}`);
  const { token } = await login.json();
  const socket = io(baseUrl, { auth: { token }, transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Signs a browser page in as staff through the form on /admin/login. */
export async function staffSignIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/admin/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/admin/'), page.click('button[type=submit]')]);
}

/** The next `name` event on `socket`, within 10 s. */
export function nextEvent(socket, name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event`)), 10_000);
    socket.once(name, (value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Sends `count` messages; resolves to their ids in room order. */
export async function seedMessages(socket, room, count, text = (i) => `message ${i}`) {
  const ids = [];
  for (let i = 0; i < count; i++) {
    const ack = await socket.timeout(10_000).emitWithAck('send_message', { room, content: text(i) });
    if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack)}`);
    ids.push(ack.message.id);
  }
  return ids;
}

/** A valid RGB PNG of noise (incompressible, so its size is ~3 bytes a pixel). */
export async function makePng(width, height) {
  const { deflateSync, crc32 } = await import('node:zlib');
  const row = width * 3 + 1;
  const raw = Buffer.alloc(row * height);
  for (let i = 0; i < raw.length; i++) raw[i] = i % row === 0 ? 0 : (Math.random() * 256) | 0;
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A server and a browser for the tests of one file, started before them and
 * stopped after: `env.server` and `env.browser` (a test may replace the server).
 */
export function serverAndBrowser(options) {
  const env = {};
  before(async () => {
    env.server = await startServer(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Debian's nginx on a free port of this machine, serving the site
 * configuration `site(port)` returns (its `server` block must listen on
 * 127.0.0.1:port). Resolves to { url, stop() } once it accepts connections.
 */
export async function startNginx(site) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'chat.conf'), site(port));
  writeFileSync(join(dir, 'nginx.conf'), `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  include ${dir}/chat.conf;
}
`);
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  for (let i = 0; !(await accepts(port)); i++) {
    if (i === 100) throw new Error('nginx did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await stopped(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
