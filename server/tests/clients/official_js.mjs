// The official JavaScript Socket.IO client (socket.io-client) against a
// running server: `node official_js.mjs <base url> <room> [<bob's base url>]`.
// Alice on the default transports (polling, upgraded to WebSocket), Bob on
// polling only, on another node of the same site when a second address is
// given. Exits non-zero, saying why, if anything differs from the contract.
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

const [aliceBase, room, bobBase = aliceBase] = process.argv.slice(2);

async function login(base, username) {
  const response = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, room }),
  });
  assert.equal(response.status, 200, `login of ${username}`);
  return (await response.json()).token;
}

async function connect(base, token, transports) {
  const socket = io(base, { auth: { token }, transports, reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

const call = (socket, event, payload) => socket.timeout(10_000).emitWithAck(event, payload);

function nextEvent(socket, name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event`)), 10_000);
    socket.once(name, (value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

const aliceToken = await login(aliceBase, 'Alice');
const bobToken = await login(bobBase, 'Bob');
const alice = await connect(aliceBase, aliceToken, undefined);
let bob = await connect(bobBase, bobToken, ['polling']);

for (const socket of [alice, bob]) {
  const joined = await call(socket, 'join', { room });
  assert.equal(joined.ok, true, JSON.stringify(joined));
  assert.equal(joined.room, room);
}

// A send is stored, acknowledged with the message, and delivered to Bob.
const delivered = nextEvent(bob, 'message');
const sent = await call(alice, 'send_message', { room, content: 'hello from js', client_id: 'js-1' });
assert.equal(sent.ok, true, JSON.stringify(sent));
assert.equal(sent.message.username, 'Alice');
assert.equal(sent.message.content, 'hello from js');
assert.equal(sent.message.client_id, 'js-1');
assert.match(sent.message.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
assert.deepEqual(await delivered, sent.message);

// A retry with the same client_id returns the stored message.
const retried = await call(alice, 'send_message', { room, content: 'hello from js', client_id: 'js-1' });
assert.deepEqual(retried, sent);

// Bob misses three messages, then catches up with exactly those.
bob.disconnect();
const missed = [];
for (let i = 0; i < 3; i++) {
  const ack = await call(alice, 'send_message', { room, content: `missed ${i}`, client_id: `js-m${i}` });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  missed.push(ack.message.id);
}
bob = await connect(bobBase, bobToken, ['polling']);
const caughtUp = await call(bob, 'join', { room, since: sent.message.id });
assert.equal(caughtUp.recovered, true);
assert.deepEqual(caughtUp.messages.map((m) => m.id), missed);
assert.deepEqual(caughtUp.online, ['Alice', 'Bob']);

// Bad payloads are refused with a code, and the connection stays up.
const refused = await call(alice, 'send_message', { room, content: 42 });
assert.equal(refused.ok, false);
assert.equal(refused.error.code, 'invalid');
const notJoined = await call(alice, 'send_message', { room: 'elsewhere', content: 'hi' });
assert.equal(notJoined.error.code, 'not_joined');
const still = await call(alice, 'typing', { room, typing: false });
assert.deepEqual(still, { ok: true });

alice.disconnect();
bob.disconnect();
console.log(JSON.stringify({ ok: true, stored: [sent.message.id, ...missed] }));
