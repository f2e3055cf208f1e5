// What LoadOptions.sha256 costs: the engine's SHA-256 (wasm, single-thread build) over a
// buffer in wasm memory, fed in download-sized chunks as the loader does and in one pass,
// against Node's OpenSSL on the same bytes (which must give the same digest).
//   node bench/reliability/sha256-cost.mjs [MiB=100] [chunkKiB=64]
import crypto from 'node:crypto';
import { createModule } from '../../js/src/wasm-module.js';

const mib = Number(process.argv[2] ?? 100);
const chunk = Number(process.argv[3] ?? 64) * 1024;
const size = mib * 2 ** 20;
const module = await createModule('single-thread', 1);
const ptr = module._malloc(size) >>> 0;
if (ptr === 0) throw new Error(`malloc of ${mib} MiB failed`);
const view = module.HEAPU8.subarray(ptr, ptr + size);
for (let i = 0; i < size; i += 4096) view.set(crypto.randomBytes(Math.min(4096, size - i)), i);

function timed(fn) {
  const t0 = performance.now();
  const digest = fn();
  return { digest, ms: performance.now() - t0 };
}
const hasher = new module.Sha256();
const chunked = timed(() => {
  for (let at = 0; at < size; at += chunk) hasher.update(ptr + at, Math.min(chunk, size - at));
  return hasher.finishHex();
});
const onePass = timed(() => {
  hasher.update(ptr, size);
  return hasher.finishHex();
});
hasher.delete();
const openssl = timed(() => crypto.createHash('sha256').update(view).digest('hex'));
if (chunked.digest !== openssl.digest || onePass.digest !== openssl.digest) {
  throw new Error(`digests differ: wasm ${chunked.digest} / ${onePass.digest}, OpenSSL ${openssl.digest}`);
}
const rate = (r) => `${r.ms.toFixed(0)} ms (${(mib / (r.ms / 1000)).toFixed(0)} MiB/s)`;
console.log(`sha256 over ${mib} MiB in wasm memory: ${chunk / 1024} KiB chunks ${rate(chunked)}, one pass ${rate(onePass)}; ` +
  `Node OpenSSL ${rate(openssl)}; digests agree`);
module._free(ptr);
