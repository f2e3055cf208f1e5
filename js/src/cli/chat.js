// `smollm-wasm chat -m FILE`: an interactive conversation rendered with the model's chat
// template. Each turn reuses the KV cache of the previous ones (the stats line says how many
// prompt tokens were reused). /reset starts over, /exit (or Ctrl-D) quits, Ctrl-C stops a reply.
import { createInterface } from 'node:readline';
import { toOpenAi } from '../options/openai.js';
import { stringFlag } from './flags.js';
import { logprobLines, statsLine } from './generate.js';
import { GENERATION_FLAGS, generationFromFlags } from './generation-flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';
import { TOOL_FLAGS, assembleToolCalls, toolsFromFlags } from './chat-tools.js';

/** @param {import('./flags.js').FlagValues} values */
export async function chat(values) {
  // Every generation flag travels under its OpenAI name (the table's), so none is dropped.
  const generation = { ...toOpenAi(generationFromFlags(values)), ...toolsFromFlags(values) };
  const llm = await loadModel(values);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const system = stringFlag(values, 'system');
  /** @type {import('../types.js').ChatMessage[]} */
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
      // A reply with tool calls is followed by the results the person types, then the
      // model's next reply.
      for (let answered = false; !answered;) {
        controller = new AbortController();
        const stream = await llm.chat.completions.create({ ...generation, messages, stream: true, signal: controller.signal });
        let reply = '';
        /** @type {import('../types.js').ChatToolCall[]} */
        const calls = [];
        /** @type {import('../types.js').ChatCompletionTokenLogprob[]} */
        const logprobs = [];
        for await (const chunk of stream) {
          const text = chunk.choices[0]?.delta?.content ?? '';
          reply += text;
          process.stdout.write(text);
          assembleToolCalls(calls, chunk.choices[0]?.delta?.tool_calls ?? []);
          logprobs.push(...chunk.choices[0]?.logprobs?.content ?? []);
        }
        controller = null;
        process.stdout.write('\n');
        if (logprobs.length) process.stderr.write(logprobLines(logprobs));
        messages.push(calls.length ? { role: 'assistant', content: reply || null, tool_calls: calls } : { role: 'assistant', content: reply });
        if (llm.stats) process.stderr.write(`${statsLine(llm.stats)}\n`);
        answered = calls.length === 0;
        for (const call of calls) {
          process.stdout.write(`tool call ${call.function.name}(${call.function.arguments})\n${process.stdin.isTTY ? 'result> ' : ''}`);
          const result = await lines.next();
          if (result.done) return;
          messages.push({ role: 'tool', tool_call_id: call.id, content: result.value });
        }
      }
    }
  } finally {
    rl.close();
    await llm.unload();
  }
}

/** @type {import('./flags.js').Command} */
export const CHAT = {
  synopsis: 'chat -m FILE [--system TEXT] [--tools FILE] [options]',
  summary: 'An interactive conversation in the model\'s chat template; each turn reuses the cached prompt.\n' +
    '/reset starts over, /exit (or Ctrl-D) quits, Ctrl-C stops a reply. With --tools, the model may call them:\n' +
    'each call is printed as `tool call NAME(ARGUMENTS)` and the next line you type is its result.',
  flagGroups: [
    ['Options', { system: { type: 'string', arg: 'TEXT', doc: 'the system message' }, ...TOOL_FLAGS }],
    ['Generation', GENERATION_FLAGS],
    ['Model', MODEL_FLAGS],
  ],
  run: chat,
};
