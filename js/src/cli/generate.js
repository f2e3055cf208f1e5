// `smollm-wasm generate -m FILE -p TEXT [sampling flags]`: streams the completion of a raw
// prompt (no chat template) to stdout; figures go to stderr.
import { UsageError, loadModel, samplingFrom } from './model-options.js';

export const GENERATE_OPTIONS = { prompt: { type: 'string', short: 'p' }, raw: { type: 'boolean' } };

export function statsLine(s) {
  return `[${s.promptTokens} prompt tokens (${s.reusedTokens} reused), ${s.completionTokens} generated, ` +
    `prefill ${s.prefillTokensPerSecond.toFixed(1)} tok/s, decode ${s.decodeTokensPerSecond.toFixed(1)} tok/s, ` +
    `context ${s.contextUsed}/${s.contextSize}, finish: ${s.finishReason}]`;
}

export async function generate(values) {
  if (values.prompt === undefined) throw new UsageError('-p TEXT (the prompt) is required');
  const options = samplingFrom(values);
  const llm = await loadModel(values);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    try {
      for await (const piece of llm.generate(values.prompt, { ...options, signal: controller.signal })) {
        process.stdout.write(piece.text);
      }
    } catch (error) {
      if (error?.name !== 'AbortError') throw error;
    }
    process.stdout.write('\n');
    if (llm.stats) process.stderr.write(`${statsLine(llm.stats)}\n`);
  } finally {
    process.off('SIGINT', onSigint);
    await llm.unload();
  }
}
