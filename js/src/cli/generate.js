// `smollm-wasm generate -m FILE -p TEXT [generation flags]`: streams the completion of a raw
// prompt (no chat template) to stdout; figures go to stderr.
import { UsageError, stringFlag } from './flags.js';
import { GENERATION_FLAGS, generationFromFlags } from './generation-flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';

/** @param {NonNullable<import('../smollm.js').SmolLM['stats']>} s */
export function statsLine(s) {
  return `[${s.promptTokens} prompt tokens (${s.reusedTokens} reused), ${s.completionTokens} generated, ` +
    `prefill ${s.prefillTokensPerSecond.toFixed(1)} tok/s, decode ${s.decodeTokensPerSecond.toFixed(1)} tok/s, ` +
    `context ${s.contextUsed}/${s.contextSize}, finish: ${s.finishReason}]`;
}

/** @param {import('./flags.js').FlagValues} values */
export async function generate(values) {
  const prompt = stringFlag(values, 'prompt');
  if (prompt === undefined) throw new UsageError('-p TEXT (the prompt) is required');
  const options = generationFromFlags(values);
  const llm = await loadModel(values);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    try {
      for await (const piece of llm.generate(prompt, { ...options, signal: controller.signal })) {
        process.stdout.write(piece.text);
      }
    } catch (error) {
      if (/** @type {Error} */ (error)?.name !== 'AbortError') throw error;
    }
    process.stdout.write('\n');
    if (llm.stats) process.stderr.write(`${statsLine(llm.stats)}\n`);
  } finally {
    process.off('SIGINT', onSigint);
    await llm.unload();
  }
}

/** @type {import('./flags.js').Command} */
export const GENERATE = {
  synopsis: 'generate -m FILE -p TEXT [options]',
  summary: 'Streams the completion of a raw prompt (no chat template) to stdout; figures go to stderr.\n' +
    'Ctrl-C stops it.',
  flagGroups: [
    ['Options', { prompt: { type: 'string', short: 'p', arg: 'TEXT', doc: 'the prompt (special-token text such as <|im_start|> is parsed)' } }],
    ['Generation', GENERATION_FLAGS],
    ['Model', MODEL_FLAGS],
  ],
  run: generate,
};
