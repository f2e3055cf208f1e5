// What the published types must refuse: each line under `@ts-expect-error` has to be an error,
// or tsc reports the directive as unused (TS2578) and the type test fails.
import { SmolLM, type LoadOptions, type ModelInfo } from 'smollm-wasm';

declare const llm: SmolLM;

// @ts-expect-error a number is no model source
await SmolLM.load(42);
// @ts-expect-error no such SIMD kind
await SmolLM.load('m.gguf', { simd: 'fast' });
// @ts-expect-error no such KV cache type
await SmolLM.load('m.gguf', { kvCacheType: 'q5_0' });
// @ts-expect-error KV cache types are lower case, as in llama.cpp's --cache-type-k
export const upperKv: LoadOptions = { kvCacheValueType: 'Q8_0' };
// @ts-expect-error no such build
export const badBuild: LoadOptions = { build: 'gpu' };
// @ts-expect-error unknown load option
export const typo: LoadOptions = { thread: 4 };
// @ts-expect-error a limit is a number
export const badLimit: LoadOptions = { templateLimits: { timeMs: '1s' } };
// @ts-expect-error SmolLM.load() makes models; the constructor is not public
new SmolLM();

// @ts-expect-error the prompt is a string
llm.generate(['Hello']);
// @ts-expect-error sampling values are numbers
llm.generate('Hello', { temperature: '0.7' });
// @ts-expect-error misspelt option
llm.generate('Hello', { max_tokens: 5 });
// @ts-expect-error stop is a string or strings
llm.generate('Hello', { stop: 5 });

// @ts-expect-error info is read-only
llm.info = {} as ModelInfo;
// @ts-expect-error storage may be null
export const persisted = llm.info.storage.persisted;
// @ts-expect-error stats is null before the first generation
export const reason = llm.stats.finishReason;
// @ts-expect-error a finish reason may also be "abort"
export const finished: 'stop' | 'length' = llm.stats!.finishReason;

// @ts-expect-error a message needs content
await llm.chat.completions.create({ messages: [{ role: 'user' }] });
// @ts-expect-error messages are required
await llm.chat.completions.create({ stream: true });
const stream = await llm.chat.completions.create({ messages: [], stream: true });
// @ts-expect-error a stream has chunks, not choices
export const streamed = stream.choices;
const completion = await llm.chat.completions.create({ messages: [] });
// @ts-expect-error a completion has a message, not a delta
export const delta = completion.choices[0].delta;

// @ts-expect-error special is a boolean
await llm.tokenize('x', { special: 'yes' });
// @ts-expect-error ids are numbers
await llm.detokenize(['1']);
// @ts-expect-error firstTarget is required
await llm.negLogLikelihoods([1, 2, 3]);
// @ts-expect-error no such response format
await llm.chat.completions.create({ messages: [], response_format: { type: 'xml' } });
// @ts-expect-error a grammar is GBNF text
await llm.generate('x', { grammar: 42 }).next();
// @ts-expect-error logprobs is a boolean (top_logprobs takes the count)
await llm.chat.completions.create({ messages: [], logprobs: 5 });
// @ts-expect-error top_logprobs is a number
await llm.chat.completions.create({ messages: [], logprobs: true, top_logprobs: '5' });
// @ts-expect-error a tool is a function
await llm.chat.completions.create({ messages: [], tools: [{ type: 'code', function: { name: 'f' } }] });
// @ts-expect-error no such tool choice
await llm.chat.completions.create({ messages: [], tools: [], tool_choice: 'always' });
// @ts-expect-error parallel_tool_calls is a boolean
await llm.chat.completions.create({ messages: [], parallel_tool_calls: 1 });
// @ts-expect-error a call's arguments are JSON text, not an object
await llm.chat.completions.create({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: {} } }] }] });
// @ts-expect-error tool_calls may be absent
export const firstCall = completion.choices[0].message.tool_calls[0];
// @ts-expect-error a trigger is text
await llm.generate('x', { grammar: 'root ::= "a"', grammarTrigger: 1 }).next();
// @ts-expect-error contextShift is a boolean
await llm.generate('x', { contextShift: 'on' }).next();
// @ts-expect-error n_keep is a number
await llm.chat.completions.create({ messages: [], n_keep: 'all' });
