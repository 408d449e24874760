// Moderation with the official JavaScript Socket.IO client, as a staff
// member's script would do it: `node moderation_js.mjs <base url> <room>
// <staff name> <staff password>`. Alice posts, edits and deletes; Bob
// watches; staff deletes, mutes and bans. Exits non-zero, saying why, if
// anything differs from the contract; prints `{"stored": [ids]}` (the ids
// the room's history must hold, tombstones included).
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

const [base, room, staffName, staffPassword] = process.argv.slice(2);

async function post(path, body) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function login(username) {
  const { status, body } = await post('/api/login', { username, room });
  assert.equal(status, 200, `login of ${username}: ${JSON.stringify(body)}`);
  return body.token;
}

function connect(token) {
  const socket = io(base, { auth: { token }, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
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

// Staff sign in with their password; the password-less login refuses the name.
const refused = await post('/api/login', { username: staffName.toLowerCase(), room });
assert.equal(refused.status, 400);
assert.equal(refused.body.error.code, 'reserved');
const wrong = await post('/api/admin/login', { username: staffName, password: 'not it at all' });
assert.equal(wrong.status, 401);
const signedIn = await post('/api/admin/login', { username: staffName, password: staffPassword });
assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
assert.equal(signedIn.body.username, staffName);

const alice = await connect(await login('Alice'));
const bobToken = await login('Bob');
let bob = await connect(bobToken);
const staff = await connect(signedIn.body.token);
for (const socket of [alice, bob]) {
  assert.equal((await call(socket, 'join', { room })).ok, true);
}

// Alice fixes a typo; Bob sees the whole message again, marked edited.
const seenByBob = nextEvent(bob, 'message');
const sent = await call(alice, 'send_message', { room, content: 'helo', client_id: 'js-1' });
assert.equal(sent.ok, true);
const id = sent.message.id;
await seenByBob;
const updatedForBob = nextEvent(bob, 'message_updated');
const edited = await call(alice, 'edit_message', { room, id, content: 'hello' });
assert.equal(edited.ok, true, JSON.stringify(edited));
assert.equal(edited.message.content, 'hello');
assert.match(edited.message.edited_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
assert.deepEqual(await updatedForBob, edited.message);

// Bob may not touch it; staff may delete it, not edit it.
assert.equal((await call(bob, 'edit_message', { room, id, content: 'mine' })).error.code, 'forbidden');
assert.equal((await call(bob, 'delete_message', { room, id })).error.code, 'forbidden');
assert.equal((await call(staff, 'edit_message', { room, id, content: 'x' })).error.code, 'forbidden');
assert.equal((await call(bob, 'delete_message', { room, id: 'one' })).error.code, 'invalid');

// Bob goes away; meanwhile staff deletes Alice's message and she posts.
const lastSeen = id;
bob.disconnect();
const deleted = await call(staff, 'delete_message', { room, id });
assert.equal(deleted.ok, true, JSON.stringify(deleted));
assert.equal(deleted.message.deleted, true);
assert.equal(deleted.message.content, null);
assert.equal((await call(alice, 'delete_message', { room, id })).error.code, 'not_found');
const later = await call(alice, 'send_message', { room, content: 'still here' });

// Back, Bob learns both: the new message, and the deletion he missed.
bob = await connect(bobToken);
const back = await call(bob, 'join', { room, since: lastSeen });
assert.equal(back.ok, true);
assert.equal(back.recovered, true);
assert.deepEqual(back.messages.map((m) => m.id), [later.message.id]);
assert.deepEqual(back.updated, [deleted.message]);

// A mute: Alice is told, and her sends are refused until it is lifted.
const mutedNotice = nextEvent(alice, 'muted');
const muted = await call(staff, 'mute', { room, username: 'Alice', minutes: 10 });
assert.equal(muted.ok, true, JSON.stringify(muted));
assert.deepEqual(await mutedNotice, { room, until: muted.until });
assert.equal((await call(alice, 'send_message', { room, content: 'hm' })).error.code, 'muted');
assert.equal((await call(bob, 'mute', { room, username: 'Alice', minutes: 10 })).error.code, 'forbidden');
assert.deepEqual(await call(staff, 'mute', { room, username: 'Alice', minutes: 0 }), { ok: true, until: null });
const afterMute = await call(alice, 'send_message', { room, content: 'thanks' });
assert.equal(afterMute.ok, true);

// A ban: Bob is disconnected and cannot come back until it is lifted.
const bobGone = new Promise((resolve) => bob.once('disconnect', resolve));
const banned = await call(staff, 'ban', { username: 'Bob', minutes: 60 });
assert.equal(banned.ok, true, JSON.stringify(banned));
await bobGone;
const relogin = await post('/api/login', { username: 'Bob', room });
assert.equal(relogin.status, 403);
assert.equal(relogin.body.error.code, 'banned');
await assert.rejects(connect(bobToken));
assert.deepEqual(await call(staff, 'ban', { username: 'Bob', minutes: 0 }), { ok: true, until: null });
await login('Bob');

for (const socket of [alice, staff]) socket.disconnect();
console.log(JSON.stringify({ stored: [id, later.message.id, afterMute.message.id] }));
