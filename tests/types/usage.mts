// What a user of the package writes: each of these must compile against the published types.
import {
  SmolLM, cache, DEFAULT_SAMPLING, SmolLMError, InvalidArgumentError, ContextLengthError, UnloadedError,
  type ChatCompletion, type ChatCompletionChunk, type ChatMessage, type GeneratedPiece, type GenerateOptions,
  type ChatTool, type ToolChoice, type ChatToolCall, type ChatFinishReason,
  type GenerationStats, type LoadOptions, type LoadProgress, type ModelInfo, type ModelSource, type TemplateLimits,
} from 'smollm-wasm';

const controller = new AbortController();
const progress: LoadProgress[] = [];
const options: LoadOptions = {
  onProgress: (p) => { progress.push(p); },
  onWarning: (warning: SmolLMError) => console.warn(warning.code, warning.message),
  threads: 2,
  contextSize: 1024,
  kvCacheType: 'q8_0',
  kvCacheKeyType: 'q8_0',
  kvCacheValueType: 'q4_0',
  templateLimits: { timeMs: 500, steps: 1_000_000 } satisfies TemplateLimits,
  cache: true,
  persist: true,
  signal: controller.signal,
  worker: false,
  build: 'single-thread',
  simd: 'relaxed',
  retries: 3,
  stallTimeoutMs: 10_000,
  sha256: ['0'.repeat(64)],
};
const sources: ModelSource[] = [
  'https://example.com/model.gguf', new URL('file:///model.gguf'), new Blob([]), ['a.gguf', new Blob([])],
];
const llm: SmolLM = await SmolLM.load(sources[0], options);

const info: ModelInfo = llm.info;
const facts: [string, number, number, 'relaxed' | 'simd128', string | null] =
  [info.architecture, info.contextSize, info.nVocab, info.simd, info.chatTemplate];
const persisted: boolean | null | undefined = info.storage?.persisted;
const cacheTypes: ['f16' | 'q8_0' | 'q4_0', 'f16' | 'q8_0' | 'q4_0', string] =
  [info.kvCacheKeyType, info.kvCacheValueType, info.contextSizeReason];
const metadata: unknown = info.metadata['general.name'];
const kvCacheBytes: number = info.kvCacheBytes;

const generate: GenerateOptions = {
  temperature: 0, topK: 40, topP: 0.9, minP: 0.05, repeatPenalty: 1.1, penaltyLastN: 64,
  presencePenalty: 0, frequencyPenalty: 0, seed: 42, logitBias: { 7: -100 }, maxTokens: 32,
  stop: ['\n\n'], ignoreEos: false, prefillChunk: 64, signal: controller.signal, special: true,
  addBos: true, cacheKey: 'user-1',
};
let text = '';
for await (const piece of llm.generate('Once upon a time', generate)) {
  const p: GeneratedPiece = piece;
  text += p.text + p.tokens.length + p.elapsedMs;
}
for await (const piece of llm.generate('x', { logprobs: true, topLogprobs: 3 })) {
  for (const t of piece.logprobs ?? []) text += t.token + t.id + t.logprob + t.bytes.length + t.topLogprobs.map((a) => a.token + a.logprob).join();
}
const stats: GenerationStats | null = llm.stats;
const reason: 'stop' | 'length' | 'abort' | undefined = stats?.finishReason;
for await (const piece of llm.generate('x', { contextShift: true, nKeep: -1, maxTokens: 5000 })) text += piece.text;
const shifted: number = (stats?.contextShifts ?? 0) + (stats?.droppedTokens ?? 0) + (stats?.droppedMessages ?? 0);

const messages: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'tool-ish', content: '' },
];
const completion: ChatCompletion = await llm.chat.completions.create({ messages, max_tokens: 16, temperature: 0.2 });
// null only when the model answered with tool calls alone (OpenAI's shape).
const answer: string = completion.choices[0].message.content ?? '';
const cached: number | undefined = completion.usage.prompt_tokens_details?.cached_tokens;
const dropped: number | undefined = completion.usage.context_shift?.dropped_messages;
await llm.chat.completions.create({ messages, context_shift: false, n_keep: 12 });
const scored = await llm.chat.completions.create({ messages, logprobs: true, top_logprobs: 5 });
for (const t of scored.choices[0].logprobs?.content ?? []) text += t.token + t.logprob + t.bytes.length + t.top_logprobs[0]?.token;

const stream = await llm.chat.completions.create({ messages, stream: true, stop: 'END', logit_bias: { 1: 2 } });
for await (const chunk of stream) {
  const c: ChatCompletionChunk = chunk;
  text += c.choices[0].delta.content ?? '';
  text += c.choices[0].logprobs?.content.length ?? 0;
  if (c.choices[0].finish_reason !== null) text += c.usage?.total_tokens;
}
// Not knowing `stream` statically gives either.
const either = await llm.chat.completions.create({ messages, stream: Math.random() < 0.5 });
if (Symbol.asyncIterator in either) for await (const chunk of either) text += chunk.id;
else text += either.choices[0].message.content;

const prompt: string = await llm.applyChatTemplate(messages, { addGenerationPrompt: false });
const ids: number[] = await llm.tokenize(prompt, { special: true });
const back: string = await llm.detokenize(new Int32Array(ids));
const { nVocab, logits }: { nVocab: number; logits: Float32Array } = await llm.evalLogits(ids, { batchSize: 1 });
const nll: Float64Array = await llm.negLogLikelihoods(ids, 1);
const { wasmBytes } = await llm.memoryUsage();
const temperature: number = DEFAULT_SAMPLING.temperature;

try {
  await llm.unload();
} catch (error) {
  if (error instanceof ContextLengthError) text += error.promptTokens + error.contextSize;
  else if (error instanceof InvalidArgumentError || error instanceof UnloadedError) text += error.code;
}

const cachedModels = await cache.list();
const has: boolean = await cache.has('https://example.com/model.gguf');
const removed: boolean = await cache.delete(new URL('https://example.com/model.gguf'));
await cache.clear();

export const used = [
  facts, persisted, cacheTypes, metadata, kvCacheBytes, reason, answer, cached, back, nVocab, logits, nll, wasmBytes, temperature, text,
  cachedModels, has, removed,
];

// Constrained decoding: a JSON schema or a GBNF grammar; OpenAI's response_format.
for await (const piece of llm.generate('Name: ', { jsonSchema: { type: 'object', properties: { name: { type: 'string' } } }, maxTokens: 32 })) {
  console.log(piece.text);
}
await llm.generate('x', { grammar: 'root ::= "yes" | "no"', jsonSchema: undefined }).next();
const structured: ChatCompletion = await llm.chat.completions.create({
  messages, response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object' }, strict: true } },
});
await llm.chat.completions.create({ messages, response_format: { type: 'json_object' }, grammar: 'root ::= "{}"' });
console.log(structured.choices[0].message.content);

// Tool calls: tools, tool_choice, parallel_tool_calls; calls in the answer and in the stream;
// results go back as tool messages.
const tools: ChatTool[] = [{
  type: 'function',
  function: { name: 'get_time', description: 'The time', parameters: { type: 'object', properties: {} }, strict: true },
}];
const choice: ToolChoice = { type: 'function', function: { name: 'get_time' } };
const called = await llm.chat.completions.create({ messages, tools, tool_choice: choice, parallel_tool_calls: false });
const toolMessage = called.choices[0].message;
const calls: ChatToolCall[] = toolMessage.tool_calls ?? [];
const finish: ChatFinishReason = called.choices[0].finish_reason;
const history: ChatMessage[] = [
  ...messages, toolMessage,
  ...calls.map((call) => ({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(JSON.parse(call.function.arguments)) })),
];
await llm.chat.completions.create({ messages: history, tools, tool_choice: 'auto' });
for await (const chunk of await llm.chat.completions.create({ messages, tools, tool_choice: 'required', stream: true })) {
  for (const part of chunk.choices[0]?.delta.tool_calls ?? []) console.log(part.index, part.id, part.function.name, part.function.arguments);
}
await llm.generate('x', { jsonSchema: { type: 'object' }, grammarTrigger: '<tool_call>' }).next();
console.log(finish, toolMessage.content?.length);
