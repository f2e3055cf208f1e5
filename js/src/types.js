// The public data types of smollm-wasm, as JSDoc: checked by `tsc --checkJs --strict` with
// the code that produces and reads them, and emitted into the package's published .d.ts
// (tsconfig.build.json). This module has no run-time content.
//
//   import { SmolLM } from 'smollm-wasm';
//   const llm = await SmolLM.load('https://example.com/SmolLM2-1.7B-Instruct-Q4_K_M.gguf', {
//     onProgress: (p) => console.log(p.phase, p.loaded, p.total),
//   });
//   const stream = await llm.chat.completions.create({
//     messages: [{ role: 'user', content: 'Hello!' }], stream: true,
//   });
//   for await (const chunk of stream) out.textContent += chunk.choices[0].delta.content ?? '';

/** @import { SmolLMError } from './errors.js' */

// --- Loading ---------------------------------------------------------------------------------

/**
 * What a model can be loaded from: an http(s) URL (browser and Node) or a file path (Node), a
 * URL, a Blob (a File from `<input type=file>` or drag and drop), or every part of a split
 * GGUF, in order.
 * @typedef {string | URL | Blob | ReadonlyArray<string | URL | Blob>} ModelSource
 */

/**
 * Load progress. `total` is the size of the whole model in bytes (all split parts).
 * @typedef {object} LoadProgress
 * @property {'download' | 'cache' | 'prepare'} phase download: from the network; cache: from
 *   the offline cache or a local file; prepare: building the engine.
 * @property {number} loaded
 * @property {number} total
 * @property {number} bytesPerSecond Average throughput of the current phase, bytes per second
 *   (0 when unknown).
 * @property {string} [restarted] Set when a dropped download restarted from zero (server
 *   without Range support), with the reason.
 */

/**
 * Render limits of the model's chat template (untrusted Jinja); over one: TemplateLimitError.
 * @typedef {object} TemplateLimits
 * @property {number} [sourceChars] Characters of the template itself (default 1 Mi): parsing is
 *   bounded by its input.
 * @property {number} [timeMs] Wall clock of one render, ms (default 1000).
 * @property {number} [steps] Node evaluations of one render (default 5,000,000).
 * @property {number} [outputChars] Characters of the rendered prompt (default 4 Mi).
 * @property {number} [valueChars] Characters of any one string the template builds (default 4 Mi).
 * @property {number} [items] Entries of any one list or mapping, and of range() (default 10,000).
 * @property {number} [totalChars] Characters of all strings one render produces together
 *   (default 64 Mi).
 */

/** @typedef {'multi-thread' | 'single-thread'} BuildKind */
/** @typedef {'auto' | 'relaxed' | 'simd128'} SimdChoice */
/** @typedef {import('./options/kv-cache.js').KvCacheType} KvCacheType */
/** @typedef {import('./options/batch-order.js').BatchOrder} BatchOrder */

/**
 * @typedef {object} LoadOptions
 * @property {(progress: LoadProgress) => void} [onProgress]
 * @property {(warning: SmolLMError) => void} [onWarning] Problems that do not stop the load
 *   (e.g. QuotaError: the model could not be cached). Default: console.warn.
 * @property {number} [threads] Worker threads for the matrix kernels. Default: every core of
 *   `navigator.hardwareConcurrency` (or `os.availableParallelism()` in Node) up to 2 cores, one
 *   fewer than the cores above that, at most 16. Ignored (1) when the single-thread build is used.
 *   More threads than cores are allowed, but only as many run at once as there are cores
 *   (ModelInfo.threadsAtOnce).
 * @property {number} [contextSize] KV cache size in tokens. Default: the model's trained
 *   context (`<arch>.context_length`) when the memory plan (weights + KV cache + scratch) fits
 *   in wasm memory with the chosen cache types, else the largest multiple of 256 tokens that
 *   fits; `ModelInfo.contextSizeReason` says which. A size that cannot fit is refused from the
 *   file's header, before the download (ModelTooLargeError).
 * @property {KvCacheType} [kvCacheType] How the KV cache stores keys and values: 'f16'
 *   (default, as llama.cpp), 'q8_0' (llama.cpp's 8-bit blocks: 53% of f16's memory, logits
 *   within the parity bounds of llama.cpp's with the same cache) or 'q4_0' (4-bit blocks: 28%,
 *   a larger loss). With 'q8_0' SmolLM2-1.7B's 8192-token context takes 816 MiB instead of
 *   1.5 GiB.
 * @property {KvCacheType} [kvCacheKeyType] The keys' type, overriding kvCacheType.
 * @property {KvCacheType} [kvCacheValueType] The values' type, overriding kvCacheType.
 * @property {BatchOrder} [batchOrder] How a prompt evaluated as a batch sums: 'fast' (default)
 *   or 'llama.cpp', which follows llama.cpp's own batch path (its tiled attention from 64 prompt
 *   tokens on, its batch matmul orders), so that a prompt's logits, and the keys and values it
 *   leaves in the cache, are llama.cpp's bit for bit on the weight types that path covers
 *   (tests/parity/README.md): the same greedy text as llama.cpp, perplexity equal to its
 *   figure. It costs prefill speed (bench/RESULTS.md). Generation (one token at a time) follows
 *   llama.cpp's decode order with either, except for Q4_0 / IQ4_NL / Q8_0 / Q5_0 matrices: those
 *   take it only with 'llama.cpp' (free to a third of their decode speed with relaxed SIMD,
 *   more in WebKit, which has to emulate the fused multiply-adds).
 * @property {TemplateLimits} [templateLimits] Limits on rendering the model's chat template.
 * @property {boolean} [cache] Offline cache. Default true: completed downloads are stored
 *   (browser: Cache Storage, or IndexedDB where the browser has no origin private file system,
 *   e.g. WebKitGTK; Node: `~/.cache/smollm-wasm` or `$SMOLLM_WASM_CACHE`) and later loads need
 *   no network.
 * @property {boolean} [persist] Ask the browser to keep this origin's storage persistently
 *   (`navigator.storage.persist()`), so a cached model is not evicted under storage pressure;
 *   worth it before a large download. Default false. Asked from the page (persist() is not
 *   exposed in workers) as the load starts; the load never waits for the answer (Firefox asks
 *   the user, who may not answer). The outcome is in `ModelInfo.storage`. Ignored with
 *   `cache: false`.
 * @property {AbortSignal} [signal] Aborting stops the load at once (rejects with a DOMException
 *   named AbortError).
 * @property {boolean} [worker] Run the engine in a worker (default true). `false` runs it on
 *   the calling thread: only sensible in Node scripts and CLIs, never on a page.
 * @property {BuildKind} [build] Force a build instead of the automatic choice (multi-thread iff
 *   crossOriginIsolated / Node).
 * @property {SimdChoice} [simd] SIMD kind of the build. 'auto' (default) takes the relaxed-SIMD
 *   build (faster k-quant kernels, bit-identical logits) when the JavaScript engine validates
 *   relaxed SIMD and a built-in check finds the final (not the draft) semantics, and the
 *   package has those files; otherwise the plain SIMD128 build, with the reason in
 *   `ModelInfo.simdReason`. In browsers a relaxed build that fails to load (e.g. a 404) falls
 *   back to SIMD128 too. 'relaxed' forces it and rejects with an InvalidArgumentError naming the
 *   cause when it cannot be used (Node 20 cannot); 'simd128' forces the plain build.
 * @property {number} [retries] Download retries after a dropped connection or 5xx/429 (default
 *   5, exponential backoff).
 * @property {number} [stallTimeoutMs] Abort a download that receives nothing for this long,
 *   then retry (default 30000 ms).
 * @property {string | ReadonlyArray<string>} [sha256] Expected SHA-256 of the model file as 64
 *   hex digits (one per file, in order, for a split model). The bytes are hashed as they land
 *   in wasm memory (no extra copy) and checked before the engine is built; a mismatch rejects
 *   with an InvalidModelError naming the expected and actual digests. A download that fails the
 *   check is not cached; a cached copy that fails it is deleted and downloaded again (reported
 *   through `onWarning`).
 */

// --- Generation ------------------------------------------------------------------------------

// Sampling and limits are declared with the field table they derive from (js/src/options).
/** @typedef {import('./options/generation-fields.js').SamplingOptions} SamplingOptions */
/** @typedef {import('./options/generation-fields.js').LimitOptions} LimitOptions */
/** @typedef {import('./options/generation-fields.js').ConstraintOptions} ConstraintOptions */
/** @typedef {import('./options/generation-fields.js').LogprobOptions} LogprobOptions */
/** @typedef {import('./options/generation-fields.js').ContextShiftOptions} ContextShiftOptions */

/**
 * How one generate() call runs, besides its sampling and limits.
 * @typedef {object} RequestOptions
 * @property {AbortSignal} [signal] Aborting stops generation within one token; the iterator
 *   throws an AbortError DOMException.
 * @property {boolean} [special] Parse special-token text such as `<|im_start|>` in the prompt
 *   (default true).
 * @property {boolean} [addBos] Add the BOS token when the vocabulary asks for it (default true).
 * @property {string} [cacheKey] Prompt-cache partition. A generation reuses the KV cache only
 *   after a generation with the same cacheKey; another key starts from an empty cache, so
 *   neither `reusedTokens` nor the prefill time tells one client about another's prompt
 *   (`serve` keys it per connection).
 */

/**
 * The options of generate(). With `grammar` or `jsonSchema` the output is constrained while
 * decoding, e.g. `generate(prompt, { jsonSchema: { type: 'object', properties: { name: { type:
 * 'string' } }, required: ['name'] } })` yields JSON that JSON.parse reads and the schema accepts.
 * @typedef {SamplingOptions & LimitOptions & ConstraintOptions & LogprobOptions & ContextShiftOptions & RequestOptions} GenerateOptions
 */

/**
 * A token and its log-probability at one step (the log-softmax of the model's raw logits,
 * before logit bias, penalties and temperature).
 * @typedef {object} TopLogprob
 * @property {number} id The token id.
 * @property {string} token Its text; when its bytes are not whole UTF-8 characters (a token
 *   may hold part of one), `bytes:` and the bytes as `\xNN`, as OpenAI writes them.
 * @property {number} logprob
 * @property {number[]} bytes Its raw UTF-8 bytes.
 */

/**
 * A generated token's log-probability, with the most likely tokens at its step.
 * @typedef {TopLogprob & {topLogprobs: TopLogprob[]}} TokenLogprob topLogprobs: the
 *   `topLogprobs` most likely tokens, most likely first (empty when 0).
 */

/**
 * One streamed piece of generated text. Joining every `text` gives the full output.
 * @typedef {object} GeneratedPiece
 * @property {string} text
 * @property {number[]} tokens Token ids sampled for this piece (text may lag a token behind
 *   when a character spans tokens).
 * @property {number} elapsedMs Milliseconds since generate() was called.
 * @property {TokenLogprob[]} [logprobs] With GenerateOptions.logprobs: one per entry of
 *   `tokens`, in order.
 */

/** @typedef {'stop' | 'length' | 'abort'} FinishReason */

/**
 * Figures of the last finished (or aborted) generation.
 * @typedef {object} GenerationStats
 * @property {number} promptTokens
 * @property {number} reusedTokens Prompt tokens found in the KV cache from the previous turn:
 *   not evaluated again.
 * @property {number} completionTokens
 * @property {number} prefillMs
 * @property {number} decodeMs
 * @property {number} prefillTokensPerSecond Prompt tokens actually evaluated (prompt - reused)
 *   per second.
 * @property {number} decodeTokensPerSecond
 * @property {number} contextUsed Tokens held in the KV cache afterwards.
 * @property {number} contextSize The KV cache's size in tokens.
 * @property {number} contextShifts Times the context was full and shifted during this
 *   generation (ContextShiftOptions).
 * @property {number} droppedTokens Tokens those shifts discarded from the context.
 * @property {number} droppedMessages Messages a chat request dropped (its oldest turns) so
 *   that it fits the context; 0 for generate().
 * @property {FinishReason} finishReason
 */

// --- The loaded model ------------------------------------------------------------------------

/**
 * Where the offline cache stands at the end of a load.
 * @typedef {object} StorageStatus
 * @property {boolean} persistRequested Whether LoadOptions.persist asked for persistent storage.
 * @property {boolean | null} persisted Whether this origin's storage is persistent (never
 *   evicted under pressure): the answer to the request, or `navigator.storage.persisted()` when
 *   there was none or it is still unanswered; always true in Node (a directory on disk). null
 *   where the platform does not say.
 * @property {number | null} quotaBytes Bytes this origin may store (browser:
 *   `navigator.storage.estimate()`; Node: cache + free disk).
 * @property {number | null} usageBytes Bytes it stores now (browser: the whole origin's usage;
 *   Node: the cached models).
 */

/**
 * Static facts about a loaded model, as the engine reports them (ModelInfo less `storage`,
 * which the page adds).
 * @typedef {object} EngineModelInfo
 * @property {string} architecture
 * @property {number} contextSize KV cache size in tokens.
 * @property {string} contextSizeReason Why this size, e.g. "the model's trained context (8192
 *   tokens) fits in 3951 MiB with a f16 K / f16 V cache", "the largest that fits: ..." or
 *   "requested (context_size)".
 * @property {number} trainedContextSize Model's trained context (`<arch>.context_length`).
 * @property {KvCacheType} kvCacheKeyType How the KV cache stores keys (LoadOptions.kvCacheType).
 * @property {KvCacheType} kvCacheValueType How it stores values.
 * @property {number} kvCacheBytes Bytes the KV cache takes: layers x contextSize x (a key row +
 *   a value row in their types), the engine's memory plan's figure (part of memoryBytes).
 * @property {number} threads
 * @property {number} threadsAtOnce How many of the threads run at once: `threads`, or the cores
 *   the platform reports (`navigator.hardwareConcurrency`; `os.cpus()` in Node) when that is
 *   fewer, or fewer still (never below 2) when a short probe as the engine starts finds fewer
 *   threads really running at once (WebKitGTK reports 4 cores on a 2-core machine); the
 *   engine then tries more after a few seconds, and runs on fewer while threads keep losing
 *   their cores to other programs, so this is the count it starts with. Threads
 *   beyond the cores would only take turns on them with the threads that hold work, which
 *   slowed decode by up to 40% (bench/contention/NOTES.md), so the others sleep.
 * @property {string} threadsReason How `threads` was chosen, e.g. "requested by the caller
 *   (threads option)" or "default for 4 core(s) reported by navigator.hardwareConcurrency (one
 *   core left for the page, at most 16)", and "; 2 run at once, one per core the platform
 *   reports" or "; 2 run at once: 4 cores reported, 2 found running at once when the engine
 *   started, more tried later" when threadsAtOnce is below threads.
 * @property {BuildKind} build
 * @property {string} buildReason Why this build was picked, e.g. "crossOriginIsolated is false:
 *   SharedArrayBuffer unavailable".
 * @property {'relaxed' | 'simd128'} simd SIMD kind of the running build (see LoadOptions.simd).
 * @property {string} simdReason Why this SIMD kind, e.g. "this JavaScript engine does not
 *   support relaxed SIMD (WebAssembly.validate is false)".
 * @property {number} memoryBytes Bytes held by the engine: weights + KV cache + scratch.
 * @property {Record<string, number>} tensorTypes Tensor type name -> number of tensors of that
 *   type, e.g. { Q4_K: 120, Q6_K: 25, F32: 49 }.
 * @property {string | null} chatTemplate `tokenizer.chat_template`, or null (ChatML is used then).
 * @property {number} nVocab
 * @property {number} bosId
 * @property {number} eosId
 * @property {boolean} addBos Whether the vocabulary asks for a BOS token before a prompt.
 * @property {string | null} bosToken
 * @property {string | null} eosToken
 * @property {string} tokenizerModel tokenizer.ggml.model ("gpt2", "llama").
 * @property {string} preTokenizer The pre-tokenizer ("smollm", "llama-bpe", ...).
 * @property {number} fileBytes Size of the model file(s) in bytes.
 * @property {Record<string, unknown>} metadata The GGUF metadata: key -> value (long token
 *   arrays are summarised as their length).
 */

/**
 * @typedef {EngineModelInfo & {storage: StorageStatus | null}} ModelInfo Static facts about
 *   the loaded model; `storage`: where the offline cache stands at the end of the load, or null
 *   if it could not be read.
 */

// --- Chat completions, OpenAI-shaped ---------------------------------------------------------

/**
 * A message of a chat. `content` is text; an assistant message that made tool calls may have
 * `content: null` and carries them in `tool_calls`; a `role: 'tool'` message is a call's
 * result, naming the call by `tool_call_id`.
 * @typedef {object} ChatMessage
 * @property {'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {})} role
 * @property {string | null} content
 * @property {ChatToolCall[]} [tool_calls] assistant: the calls it made (as a completion returned them)
 * @property {string} [tool_call_id] tool: the id of the call this message answers
 */

// --- Tools (function calling), OpenAI-shaped ---------------------------------------------------

/**
 * A function the model may call. `parameters` is the JSON schema of its arguments object
 * (any object when left out); calls made under `tool_choice: 'required'` or a named function,
 * and calls under 'auto' once the model starts one, are constrained by a grammar made of it.
 * @typedef {object} ChatTool
 * @property {'function'} type
 * @property {{ name: string, description?: string, parameters?: object, strict?: boolean }} function
 *   name: 1 to 64 letters, digits, underscores or dashes
 */

/**
 * 'auto' (default with tools): the model answers in text or calls; 'required': it calls at
 * least one tool; `{type: 'function', function: {name}}`: it calls that one; 'none': it does
 * not call (the tools are not listed).
 * @typedef {'auto' | 'none' | 'required' | { type: 'function', function: { name: string } }} ToolChoice
 */

/**
 * A call the model made: `arguments` is JSON text of an object.
 * @typedef {object} ChatToolCall
 * @property {string} id
 * @property {'function'} type
 * @property {{ name: string, arguments: string }} function
 */

/**
 * A streamed fragment of a call, as OpenAI's client libraries assemble them by `index`: the
 * first one of a call carries `id`, `type` and `function.name`, the others more of
 * `function.arguments`.
 * @typedef {object} ChatToolCallDelta
 * @property {number} index
 * @property {string} [id]
 * @property {'function'} [type]
 * @property {{ name?: string, arguments?: string }} function
 */

/** @typedef {FinishReason | 'tool_calls'} ChatFinishReason */

/**
 * The request of chat.completions.create(): OpenAI's generation fields as the field table
 * names them (max_tokens / max_completion_tokens, temperature, top_p, top_k, min_p,
 * frequency_penalty, presence_penalty, repeat_penalty, repeat_last_n, stop, seed, logit_bias,
 * ignore_eos, grammar, json_schema, logprobs, top_logprobs, context_shift, n_keep), plus the request's own fields.
 * @typedef {import('./options/generation-fields.js').OpenAiGenerationParams & ChatRequestFields} ChatCompletionCreateParams
 */
/**
 * @typedef {object} ChatRequestFields
 * @property {ChatMessage[]} messages
 * @property {ChatTool[] | null} [tools] Functions the model may call, in SmolLM2's trained
 *   tool format (the tools listed in the system turn, calls as `<tool_call>[...]</tool_call>`);
 *   a model whose chat is not ChatML cannot, and gets an InvalidArgumentError.
 * @property {ToolChoice | null} [tool_choice]
 * @property {boolean | null} [parallel_tool_calls] false: at most one call per answer. Default true.
 * @property {boolean} [stream]
 * @property {import('./options/openai.js').ResponseFormat | null} [response_format]
 *   `{type: 'json_object'}`: the answer is a JSON object; `{type: 'json_schema', json_schema:
 *   {name, schema, strict}}`: JSON valid against `schema` (enforced by a grammar while
 *   decoding, so always, strict or not). The `grammar` (GBNF) and `json_schema` extension
 *   fields of llama.cpp's server constrain the answer the same way.
 * @property {string} [model]
 * @property {AbortSignal} [signal]
 * @property {string} [cacheKey] Prompt-cache partition (GenerateOptions.cacheKey); not an
 *   OpenAI field.
 */

/**
 * OpenAI's top_logprobs entry.
 * @typedef {object} ChatCompletionTopLogprob
 * @property {string} token The token's text (TopLogprob.token).
 * @property {number} logprob
 * @property {number[]} bytes
 */

/** @typedef {ChatCompletionTopLogprob & {top_logprobs: ChatCompletionTopLogprob[]}} ChatCompletionTokenLogprob */

/**
 * A choice's `logprobs`: one entry per generated token of its content.
 * @typedef {object} ChoiceLogprobs
 * @property {ChatCompletionTokenLogprob[]} content
 * @property {null} refusal
 */

/**
 * @typedef {object} CompletionUsage
 * @property {number} prompt_tokens
 * @property {number} completion_tokens
 * @property {number} total_tokens
 * @property {{cached_tokens: number}} [prompt_tokens_details] Prompt tokens reused from the KV
 *   cache (multi-turn prefix), not evaluated again.
 * @property {ContextShiftUsage} [context_shift] What the context shift dropped (not an OpenAI
 *   field; present on every answer of this package).
 */

/**
 * @typedef {object} ContextShiftUsage
 * @property {number} dropped_messages The oldest messages left out so the request fits.
 * @property {number} shifts Times the context filled while answering and was shifted.
 * @property {number} dropped_tokens Tokens those shifts discarded.
 */

/**
 * The answer of a chat completion: text (null when the model only called tools) and the calls.
 * @typedef {object} ChatCompletionMessage
 * @property {'assistant'} role
 * @property {string | null} content
 * @property {ChatToolCall[]} [tool_calls] present when the model called tools
 */

/**
 * @typedef {object} ChatCompletion
 * @property {string} id
 * @property {'chat.completion'} object
 * @property {number} created
 * @property {string} model
 * @property {Array<{index: 0, message: ChatCompletionMessage,
 *   finish_reason: ChatFinishReason, logprobs?: ChoiceLogprobs}>} choices logprobs: only when
 *   the request set `logprobs: true`; finish_reason 'tool_calls' when the message has calls
 * @property {CompletionUsage} usage
 */

/**
 * @typedef {object} ChatCompletionChunk
 * @property {string} id
 * @property {'chat.completion.chunk'} object
 * @property {number} created
 * @property {string} model
 * @property {Array<{index: 0, delta: {role?: 'assistant', content?: string, tool_calls?: ChatToolCallDelta[]},
 *   finish_reason: ChatFinishReason | null, logprobs?: ChoiceLogprobs}>} choices logprobs: the
 *   tokens of this chunk's text, when the request set `logprobs: true`
 * @property {CompletionUsage} [usage] Present on the last chunk only.
 */

/**
 * Aborting (signal) ends a stream with finish_reason "abort"; a non-streamed call rejects with
 * AbortError.
 * @typedef {{
 *   create(params: ChatCompletionCreateParams & {stream: true}): Promise<AsyncIterable<ChatCompletionChunk>>;
 *   create(params: ChatCompletionCreateParams & {stream?: false}): Promise<ChatCompletion>;
 *   create(params: ChatCompletionCreateParams): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
 * }} ChatCompletions
 */

export {};
