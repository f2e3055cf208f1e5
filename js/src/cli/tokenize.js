// `smollm-wasm tokenize -m FILE [--special] TEXT|-` prints the ids as a JSON array (no BOS);
// TEXT `-` reads stdin. `smollm-wasm detokenize -m FILE 1,2,3` prints the text.
import { parseIds } from './eval.js';
import { UsageError } from './flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';

/** @typedef {import('./flags.js').FlagValues} FlagValues */
/** @typedef {import('./flags.js').Flags} Flags */

async function readStdin() {
  const parts = [];
  for await (const chunk of process.stdin) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** @param {FlagValues} values @param {string[]} positionals */
export async function tokenize(values, positionals) {
  if (positionals.length !== 1) throw new UsageError('usage: smollm-wasm tokenize -m FILE [--special] TEXT|-');
  const text = positionals[0] === '-' ? await readStdin() : positionals[0];
  const llm = await loadModel({ ...values, threads: values.threads ?? '1' }, { contextSize: 16 });
  try {
    process.stdout.write(`${JSON.stringify(await llm.tokenize(text, { special: Boolean(values.special) }))}\n`);
  } finally {
    await llm.unload();
  }
}

/** @param {FlagValues} values @param {string[]} positionals */
export async function detokenize(values, positionals) {
  if (positionals.length !== 1) throw new UsageError('usage: smollm-wasm detokenize -m FILE 1,2,3');
  const ids = parseIds(positionals[0], 'detokenize');
  const llm = await loadModel({ ...values, threads: values.threads ?? '1' }, { contextSize: 16 });
  try {
    process.stdout.write(`${await llm.detokenize(ids, { special: Boolean(values.special) })}\n`);
  } finally {
    await llm.unload();
  }
}

/** @type {Array<[string, Flags]>} */
const FLAG_GROUPS = [
  ['Options', { special: { type: 'boolean', doc: 'special-token text (<|im_start|>) is one token / is shown' } }],
  ['Model', MODEL_FLAGS],
];

/** @type {import('./flags.js').Command} */
export const TOKENIZE = {
  synopsis: 'tokenize -m FILE [--special] TEXT|-',
  summary: 'Prints the token ids of TEXT (- reads stdin) as a JSON array, without BOS.',
  flagGroups: FLAG_GROUPS,
  run: tokenize,
};

/** @type {import('./flags.js').Command} */
export const DETOKENIZE = {
  synopsis: 'detokenize -m FILE [--special] 1,2,3',
  summary: 'Prints the text of the token ids.',
  flagGroups: FLAG_GROUPS,
  run: detokenize,
};
