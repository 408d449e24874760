// Uploads that the server refuses before reading their body, sent with
// Node's fetch, which writes the whole body before it reads the answer:
// each must come back as the status and JSON error, not a reset
// connection (EPIPE / ECONNRESET, "fetch failed").
//
// usage: node refused_uploads.mjs <base url> <bearer token> <upload limit in bytes>
const [base, token, limitText] = process.argv.slice(2);
const limit = Number(limitText);

function form(bytes) {
  const body = new FormData();
  body.append('client_id', 'refused-1');
  body.append('image', new Blob([new Uint8Array(bytes).fill(0x42)], { type: 'image/png' }), 'big.png');
  return body;
}

const cases = [
  { name: 'no session', headers: {}, room: 'pics', bytes: 2 * 1024 * 1024, status: 401, code: 'unauthorized' },
  { name: 'no such room', headers: { authorization: `Bearer ${token}` }, room: 'nowhere', bytes: Math.floor(limit * 0.9), status: 404, code: 'not_found' },
  { name: 'declared too large', headers: { authorization: `Bearer ${token}` }, room: 'pics', bytes: limit + 256 * 1024, status: 413, code: 'too_large' },
];

const failures = [];
for (const c of cases) {
  try {
    const response = await fetch(`${base}/api/chat/${c.room}/images/`, {
      method: 'POST',
      headers: c.headers,
      body: form(c.bytes),
    });
    const json = await response.json();
    if (response.status !== c.status || json?.error?.code !== c.code) {
      failures.push(`${c.name}: got ${response.status} ${JSON.stringify(json)}`);
    }
  } catch (e) {
    failures.push(`${c.name}: ${e.message} (${e.cause?.code ?? e.cause?.message ?? 'no cause'})`);
  }
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(JSON.stringify({ refused: cases.length }));
