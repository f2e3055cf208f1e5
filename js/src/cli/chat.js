// `smollm-wasm chat -m FILE`: an interactive conversation rendered with the model's chat
// template. Each turn reuses the KV cache of the previous ones (the stats line says how many
// prompt tokens were reused). /reset starts over, /exit (or Ctrl-D) quits, Ctrl-C stops a reply.
import { createInterface } from 'node:readline';
import { statsLine } from './generate.js';
import { loadModel, samplingFrom } from './model-options.js';

export const CHAT_OPTIONS = { system: { type: 'string' } };

export async function chat(values) {
  const sampling = samplingFrom(values);
  const llm = await loadModel(values);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const initial = values.system ? [{ role: 'system', content: values.system }] : [];
  let messages = [...initial];
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
      const stream = await llm.chat.completions.create({
        messages, stream: true, signal: controller.signal,
        max_tokens: sampling.maxTokens, temperature: sampling.temperature, top_p: sampling.topP,
        top_k: sampling.topK, min_p: sampling.minP, repeat_penalty: sampling.repeatPenalty,
        presence_penalty: sampling.presencePenalty, frequency_penalty: sampling.frequencyPenalty,
        seed: sampling.seed, stop: sampling.stop,
      });
      let reply = '';
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content ?? '';
        reply += text;
        process.stdout.write(text);
      }
      controller = null;
      process.stdout.write('\n');
      messages.push({ role: 'assistant', content: reply });
      if (llm.stats) process.stderr.write(`${statsLine(llm.stats)}\n`);
    }
  } finally {
    rl.close();
    await llm.unload();
  }
}
