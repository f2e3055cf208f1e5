// `smollm-wasm eval -m FILE --tokens 1,2,3 [--top 10] [--threads N] [--batch-size N]
// [--dump-logits OUT.f32]`: evaluates the tokens as one prompt from position 0 (or in batches of
// N, 1 being token by token as in decoding) and prints each position's top logits as
// {"positions":[{"pos":0,"top":[[id,logit],...]},...]}; --dump-logits writes every position's
// full logit vector as little-endian float32, n_tokens x n_vocab, row by row.
import { writeFile } from 'node:fs/promises';
import { UsageError, numberFlag, stringFlag } from './flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';

/** @typedef {import('./flags.js').FlagValues} FlagValues */

/**
 * @param {string | undefined} text
 * @param {string} what the flag or command, for the error
 */
export function parseIds(text, what) {
  if (!text || !/^\s*-?\d+(\s*,\s*-?\d+)*\s*$/.test(text)) {
    throw new UsageError(`${what} expects comma-separated token ids like 1,2,3, got "${text ?? ''}"`);
  }
  return text.split(',').map((s) => Number(s.trim()));
}

/**
 * @param {Float32Array} row
 * @param {number} k
 */
function topK(row, k) {
  /** @type {Array<[number, number]>} */
  const best = [];   // [id, logit] sorted by logit descending, ties by id
  for (let id = 0; id < row.length; ++id) {
    const v = row[id];
    if (best.length === k && v <= best[k - 1][1]) continue;
    let at = best.length;
    while (at > 0 && best[at - 1][1] < v) --at;
    best.splice(at, 0, [id, v]);
    if (best.length > k) best.pop();
  }
  return best;
}

/** @param {FlagValues} values */
export async function evalCommand(values) {
  const tokens = parseIds(stringFlag(values, 'tokens'), '--tokens');
  const k = numberFlag(values, 'top', { integer: true, min: 1 }) ?? 10;
  const dump = stringFlag(values, 'dump-logits');
  const batchSize = numberFlag(values, 'batch-size', { integer: true, min: 1 });
  const llm = await loadModel(values, { contextSize: Math.max(tokens.length, 16) });
  try {
    const { nVocab, logits } = await llm.evalLogits(tokens, batchSize === undefined ? {} : { batchSize });
    if (dump) {
      const bytes = new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength);
      const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
      if (!littleEndian) throw new Error('big-endian hosts are not supported for --dump-logits');
      await writeFile(dump, bytes);
    }
    const positions = tokens.map((_, pos) => ({
      pos,
      top: topK(logits.subarray(pos * nVocab, (pos + 1) * nVocab), Math.min(k, nVocab)),
    }));
    process.stdout.write(`${JSON.stringify({ positions })}\n`);
  } finally {
    await llm.unload();
  }
}

/** @type {import('./flags.js').Command} */
export const EVAL = {
  synopsis: 'eval -m FILE --tokens 1,2,3 [options]',
  summary: 'Evaluates the tokens as one prompt from position 0 and prints each position\'s top logits as JSON\n' +
    '({"positions":[{"pos":0,"top":[[id,logit],...]},...]}).',
  flagGroups: [
    ['Options', {
      tokens: { type: 'string', arg: '1,2,3', doc: 'the token ids to evaluate' },
      top: { type: 'string', arg: 'K', doc: 'logits shown per position (default 10)' },
      'batch-size': { type: 'string', arg: 'N', doc: 'evaluate in consecutive batches of N tokens (1: token by token, the decode path; default all at once)' },
      'dump-logits': { type: 'string', arg: 'OUT.f32', doc: 'write every logit as little-endian float32, n_tokens x n_vocab' },
    }],
    ['Model', MODEL_FLAGS],
  ],
  run: evalCommand,
};
