// Writes a brotli (.br) and a gzip (.gz) copy beside every .wasm, .js and
// .css file in a directory, for the server to send to browsers that accept
// them: `node scripts/precompress.mjs target/site/pkg`. Prints the sizes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2];
let raw = 0;
let brotli = 0;
for (const name of readdirSync(dir).filter((n) => /\.(wasm|js|css)$/.test(n))) {
  const bytes = readFileSync(join(dir, name));
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  writeFileSync(join(dir, `${name}.br`), br);
  writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  raw += bytes.length;
  brotli += br.length;
}
console.log(`[site] bundle: ${Math.round(raw / 1024)} KiB, ${Math.round(brotli / 1024)} KiB as sent (brotli)`);
