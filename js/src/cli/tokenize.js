// `smollm-wasm tokenize -m FILE [--special] TEXT|-` prints the ids as a JSON array (no BOS);
// TEXT `-` reads stdin. `smollm-wasm detokenize -m FILE 1,2,3` prints the text.
import { parseIds } from './eval.js';
import { UsageError, loadModel } from './model-options.js';

export const TOKENIZE_OPTIONS = { special: { type: 'boolean' } };

async function readStdin() {
  const parts = [];
  for await (const chunk of process.stdin) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

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
