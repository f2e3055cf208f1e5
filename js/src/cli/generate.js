// `smollm-wasm generate -m FILE -p TEXT [generation flags]`: streams the completion of a raw
// prompt (no chat template) to stdout; figures go to stderr.
import { UsageError, stringFlag } from './flags.js';
import { GENERATION_FLAGS, generationFromFlags } from './generation-flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';
import { openAiLogprobs } from '../logprobs.js';

/**
 * `--logprobs N`: one line per generated token for stderr, its log-probability, its text and
 * the N most likely tokens at its step (texts as JSON strings, so spaces and newlines show).
 * @param {import('../types.js').ChatCompletionTokenLogprob[]} tokens
 * @returns {string}
 */
export function logprobLines(tokens) {
  return tokens.map((t) => {
    const top = t.top_logprobs.map((a) => `${JSON.stringify(a.token)} ${a.logprob.toFixed(4)}`).join(', ');
    return `${t.logprob.toFixed(4)}\t${JSON.stringify(t.token)}${top ? `\t[${top}]` : ''}\n`;
  }).join('');
}

/** @param {NonNullable<import('../smollm.js').SmolLM['stats']>} s */
export function statsLine(s) {
  return `[${s.promptTokens} prompt tokens (${s.reusedTokens} reused), ${s.completionTokens} generated, ` +
    `prefill ${s.prefillTokensPerSecond.toFixed(1)} tok/s, decode ${s.decodeTokensPerSecond.toFixed(1)} tok/s, ` +
    `context ${s.contextUsed}/${s.contextSize}${droppedNote(s)}, finish: ${s.finishReason}]`;
}

/** @param {NonNullable<import('../smollm.js').SmolLM['stats']>} s what a context shift dropped, if anything */
function droppedNote(s) {
  const parts = [];
  if (s.droppedMessages > 0) parts.push(`${s.droppedMessages} oldest messages left out`);
  if (s.contextShifts > 0) parts.push(`${s.contextShifts} shifts dropped ${s.droppedTokens} tokens`);
  return parts.length ? ` (${parts.join(', ')})` : '';
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
  /** @type {import('../types.js').TokenLogprob[]} */
  const logprobs = [];
  try {
    try {
      for await (const piece of llm.generate(prompt, { ...options, signal: controller.signal })) {
        process.stdout.write(piece.text);
        if (piece.logprobs) logprobs.push(...piece.logprobs);
      }
    } catch (error) {
      if (/** @type {Error} */ (error)?.name !== 'AbortError') throw error;
    }
    process.stdout.write('\n');
    if (options.logprobs) process.stderr.write(logprobLines(openAiLogprobs(logprobs).content));
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
