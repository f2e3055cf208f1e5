// `smollm-wasm chat -m FILE`: an interactive conversation rendered with the model's chat
// template. Each turn reuses the KV cache of the previous ones (the stats line says how many
// prompt tokens were reused). /reset starts over, /exit (or Ctrl-D) quits, Ctrl-C stops a reply.
import { createInterface } from 'node:readline';
import { toOpenAi } from '../options/openai.js';
import { stringFlag } from './flags.js';
import { logprobLines, statsLine } from './generate.js';
import { GENERATION_FLAGS, generationFromFlags } from './generation-flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';

/** @param {import('./flags.js').FlagValues} values */
export async function chat(values) {
  // Every generation flag travels under its OpenAI name (the table's), so none is dropped.
  const generation = toOpenAi(generationFromFlags(values));
  const llm = await loadModel(values);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const system = stringFlag(values, 'system');
  const initial = system ? [{ role: 'system', content: system }] : [];
  let messages = [...initial];
  /** @type {AbortController | null} */
  let controller = null;
  rl.on('SIGINT', () => (controller ? controller.abort() : rl.close()));
  const lines = rl[Symbol.asyncIterator]();
  process.stderr.write(`${llm.info.architecture}, ${llm.info.threads} thread(s), context ${llm.info.contextSize}. /reset, /exit\n`);
  try {
    for (;;) {
      if (process.stdin.isTTY) process.stdout.write('> ');
      const { value: line, done } = await lines.next();
      if (done || line.trim() === '/exit') break;
      if (line.trim() === '/reset') {
        messages = [...initial];
        continue;
      }
      if (!line.trim()) continue;
      messages.push({ role: 'user', content: line });
      controller = new AbortController();
      const stream = await llm.chat.completions.create({ ...generation, messages, stream: true, signal: controller.signal });
      let reply = '';
      /** @type {import('../types.js').ChatCompletionTokenLogprob[]} */
      const logprobs = [];
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content ?? '';
        reply += text;
        process.stdout.write(text);
        logprobs.push(...chunk.choices[0]?.logprobs?.content ?? []);
      }
      controller = null;
      process.stdout.write('\n');
      if (logprobs.length) process.stderr.write(logprobLines(logprobs));
      messages.push({ role: 'assistant', content: reply });
      if (llm.stats) process.stderr.write(`${statsLine(llm.stats)}\n`);
    }
  } finally {
    rl.close();
    await llm.unload();
  }
}

/** @type {import('./flags.js').Command} */
export const CHAT = {
  synopsis: 'chat -m FILE [--system TEXT] [options]',
  summary: 'An interactive conversation in the model\'s chat template; each turn reuses the cached prompt.\n' +
    '/reset starts over, /exit (or Ctrl-D) quits, Ctrl-C stops a reply.',
  flagGroups: [
    ['Options', { system: { type: 'string', arg: 'TEXT', doc: 'the system message' } }],
    ['Generation', GENERATION_FLAGS],
    ['Model', MODEL_FLAGS],
  ],
  run: chat,
};
