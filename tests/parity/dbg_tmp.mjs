import {comparePosition} from '/work/main/tests/parity/lib/compare.mjs';
import {ourLogits} from '/work/main/tests/parity/lib/ours.mjs';
import {randomIds, textIds} from '/work/main/tests/parity/lib/prompts.mjs';
import {openReference} from '/work/main/tests/parity/lib/reference.mjs';
const [path, nStr, text] = process.argv.slice(2);
const n = Number(nStr);
const ref = await openReference(path, n);
const tokens = process.env.TOKENS ? process.env.TOKENS.split(',').map(Number) : text === '1' ? textIds(ref.model, n) : randomIds(n, ref.nVocab, 1234);
let t0 = Date.now();
const want = await ref.logits(tokens);
console.log('ref ms', Date.now() - t0); t0 = Date.now();
const got = ourLogits(path, tokens, ref.nVocab);
console.log('ours ms', Date.now() - t0);
for (let p = 0; p < n; p += Number(process.env.STEP ?? Math.max(1, Math.floor(n / 12)))) {
  const c = comparePosition(got.subarray(p * ref.nVocab, (p + 1) * ref.nVocab), want.subarray(p * ref.nVocab, (p + 1) * ref.nVocab));
  console.log(p, c.maxAbs.toExponential(2), c.range.toFixed(2), c.rel.toExponential(2), c.top1, c.overlap);
}
await ref.dispose();
