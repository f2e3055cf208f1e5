// The public model object: load, generate, chat completions, tokenize, unload. It talks to
// an engine (in a worker by default, or on this thread) through one interface, and runs one
// generation at a time: a second generate() waits for the first (never interleaved).
import { DEFAULT_SAMPLING, GENERATION_FIELDS } from './options/generation-fields.js';
import { fromOpenAi } from './options/openai.js';
import { requestOptions } from './options/request.js';
import { batchOrder } from './options/batch-order.js';
import { kvCacheTypes } from './options/kv-cache.js';
import { openAiLogprobs } from './logprobs.js';
import { toolPlan } from './tools/tool-request.js';
import { CALL_OPEN, callListSchema, toolTurns } from './tools/smollm2-tool-format.js';
import { ToolOutputReader } from './tools/tool-output.js';
import { withToolSchemaErrors } from './tools/tool-errors.js';
import { fitChat } from './chat-fit.js';
import { InvalidArgumentError, UnloadedError, abortError } from './errors.js';
import { isNode } from './platform.js';
import { checkSimdChoice } from './simd-support.js';
import { requestStorage } from './cache/storage-status.js';
import { LocalEngine } from './engine/local-engine.js';
import { WorkerEngine } from './engine/worker-engine.js';

/**
 * @import { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionMessage, ChatCompletions,
 *   ChatFinishReason, ChatMessage, ChatToolCall, ChatToolCallDelta, ChoiceLogprobs, CompletionUsage, GeneratedPiece,
 *   GenerateOptions, GenerationStats, LoadOptions, ModelInfo, ModelSource, TokenLogprob } from './types.js'
 * @import { ToolPlan } from './tools/tool-request.js'
 * @import { Engine, EvalLogitsResult, GenerateRequest, ResolvedSource } from './engine/protocol.js'
 */

/**
 * Strings and URLs become absolute strings (the worker has another base URL); Blobs pass.
 * @param {ModelSource} source
 * @returns {ResolvedSource}
 */
function normalizeSource(source) {
  if (isSourceList(source)) return source.map((part) => /** @type {string | Blob} */ (normalizeSource(part)));
  if (source instanceof URL) return source.href;
  if (typeof source === 'string' && !isNode && typeof location === 'object') return new URL(source, location.href).href;
  if (typeof source === 'string' && isNode && !/^[a-z]+:/i.test(source)) {
    return process.cwd() && source.startsWith('/') ? source : `${process.cwd()}/${source}`;
  }
  return source;
}

/**
 * Array.isArray does not narrow a ReadonlyArray out of a union.
 * @param {ModelSource} source
 * @returns {source is ReadonlyArray<string | URL | Blob>}
 */
function isSourceList(source) {
  return Array.isArray(source);
}

const DEFAULT_MAX_TOKENS = GENERATION_FIELDS.maxTokens.default;

/** @param {string} prefix */
function randomId(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`;
}

/** A loaded model. Create one with `SmolLM.load()`. */
export class SmolLM {
  /** @type {Engine} */
  #engine;
  /** @type {ModelInfo} */
  #info;
  /** @type {GenerationStats | null} */
  #stats = null;
  /** @type {Promise<unknown>} */
  #queue = Promise.resolve();
  /** @type {AbortController | null} the running generation's */
  #current = null;
  #unloaded = false;

  /**
   * @private Use SmolLM.load().
   * @param {Engine} engine
   * @param {ModelInfo} info
   */
  constructor(engine, info) {
    this.#engine = engine;
    this.#info = info;
    // One function serves the overloads: which result it gives follows from params.stream,
    // which it reads at run time.
    const create = /** @type {ChatCompletions['create']} */ ((params) => this.#createChatCompletion(params));
    /**
     * OpenAI-shaped chat completions over the model's chat template.
     * @readonly
     * @type {{completions: ChatCompletions}}
     */
    this.chat = { completions: { create } };
  }

  /**
   * Downloads (or reads from the cache, a File or a path) and prepares a model.
   * @param {ModelSource} source
   * @param {LoadOptions} [options]
   * @returns {Promise<SmolLM>}
   */
  static async load(source, options = {}) {
    const { onProgress, onWarning = (e) => console.warn(`smollm-wasm: ${e.message}`), signal, worker = true, persist = false, ...rest } = options;
    if (rest.threads !== undefined && !(Number.isInteger(rest.threads) && rest.threads >= 1)) {
      throw new InvalidArgumentError('threads must be a positive integer');
    }
    if (typeof persist !== 'boolean') throw new InvalidArgumentError('persist must be true or false');
    if (rest.simd !== undefined) checkSimdChoice(rest.simd);
    kvCacheTypes(rest);   // checked here too, so a bad type fails before a worker starts
    batchOrder(rest);
    if (signal?.aborted) throw abortError(signal.reason);
    // Asked on this thread (persist() is not exposed in workers), before the download starts.
    const storage = requestStorage(persist && rest.cache !== false);
    /** @type {Engine} */
    const engine = worker ? await WorkerEngine.create() : new LocalEngine();
    try {
      const info = await engine.load(normalizeSource(source), rest, { onProgress, onWarning, signal });
      return new SmolLM(engine, { ...info, storage: await storage.settle().catch(() => null) });
    } catch (error) {
      await engine.unload().catch(() => {});
      throw error;
    }
  }

  #live() {
    if (this.#unloaded) throw new UnloadedError();
  }

  /**
   * Static facts about the loaded model. Throws UnloadedError after unload().
   * @returns {ModelInfo}
   */
  get info() {
    this.#live();
    return this.#info;
  }

  /**
   * Figures of the last generation, or null before the first.
   * @returns {GenerationStats | null}
   */
  get stats() {
    return this.#stats;
  }

  /**
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  #enqueue(fn) {
    const run = this.#queue.then(() => {
      this.#live();
      return fn();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Streams a completion of `prompt` (raw text, no template). Concurrent calls on one
   * instance are queued and run one after another. Leaving `for await` early cancels.
   * @param {string} prompt
   * @param {GenerateOptions} [options]
   * @returns {AsyncGenerator<GeneratedPiece, void, undefined>}
   */
  generate(prompt, options = {}) {
    if (typeof prompt !== 'string') throw new InvalidArgumentError('generate() expects a prompt string');
    return this.#run({ prompt, ...requestOptions(options) }, options.signal);
  }

  /**
   * Pieces of one queued generation. Breaking out of the loop aborts it; an aborted caller
   * signal makes it throw AbortError after the engine stopped.
   * @param {GenerateRequest} request
   * @param {AbortSignal} [signal]
   * @returns {AsyncGenerator<GeneratedPiece, void, undefined>}
   */
  async *#run(request, signal) {
    this.#live();
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) controller.abort();
    /** @type {GeneratedPiece[]} */
    const pieces = [];
    /** @type {(() => void) | null} */
    let wake = null;
    let finished = false;
    /** @type {unknown} */
    let failure = null;
    /** @type {GenerationStats | null} */
    let stats = null;
    const turn = this.#enqueue(async () => {
      this.#current = controller;
      try {
        stats = await this.#engine.generate(request, {
          signal: controller.signal,
          onPiece: (piece) => { pieces.push(piece); wake?.(); },
        });
      } finally {
        this.#current = null;
      }
    });
    turn.then(() => {}, (e) => { failure = e; }).finally(() => { finished = true; /** @type {(() => void) | null} */ (wake)?.(); });
    try {
      for (;;) {
        const piece = pieces.shift();
        if (piece) {
          yield piece;
          continue;
        }
        if (finished) break;
        await new Promise((resolve) => { wake = () => resolve(undefined); });
        wake = null;
      }
      if (failure) throw failure;
      this.#stats = stats;
      if (signal?.aborted) throw abortError(signal.reason);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!finished) {
        controller.abort();
        await turn.catch(() => {});
        if (stats) this.#stats = stats;
      }
    }
  }

  /**
   * Renders messages with the model's chat template (ChatML when it has none), in the engine's
   * worker under the load's `templateLimits`: the template is untrusted code from the model
   * file (chat-template-limits.js), never run on this thread.
   * @param {ChatMessage[]} messages
   * @param {{addGenerationPrompt?: boolean}} [options]
   * @returns {Promise<string>}
   */
  async applyChatTemplate(messages, options = {}) {
    this.#live();
    return this.#engine.renderChat(messages, { addGenerationPrompt: options.addGenerationPrompt ?? true });
  }

  /**
   * @param {ChatCompletionCreateParams} params
   * @returns {Promise<ChatCompletion | AsyncGenerator<ChatCompletionChunk, void, undefined>>}
   */
  async #createChatCompletion(params) {
    this.#live();
    if (!params || typeof params !== 'object') throw new InvalidArgumentError('create() expects {messages, ...}');
    const plan = toolPlan(params);
    const generation = fromOpenAi(params);
    // Tool messages in the history are written in SmolLM2's tool format even when this
    // request offers no tools.
    const toolHistory = Array.isArray(params.messages) &&
      params.messages.some((m) => m?.role === 'tool' || (m?.tool_calls !== undefined && m?.tool_calls !== null));
    const messages = plan.choice !== 'none' || toolHistory ? toolTurns(params.messages, plan) : params.messages;
    // required / a named function: the prompt opens the call block, the grammar holds from the
    // first token. auto: the grammar switches on when the model writes the opening tag.
    const forced = plan.choice === 'required' || typeof plan.choice === 'object';
    if (plan.choice !== 'none') {
      // Judged on the whole chat, before any turn is dropped to fit: a model that cannot make
      // tool calls is told so whatever the chat's length.
      await this.#checkToolFormat(await this.applyChatTemplate(messages), messages[0].content);
      if (generation.grammar !== undefined || generation.jsonSchema !== undefined || generation.grammarTrigger !== undefined) {
        throw new InvalidArgumentError('tools: give tools or a grammar (grammar, json_schema, response_format, grammar_trigger), not both; ' +
          'or set tool_choice: "none"');
      }
    }
    const fitted = await this.#fitChat(messages, generation);
    let prompt = fitted.prompt;
    if (plan.choice !== 'none') {
      generation.jsonSchema = callListSchema(plan);
      if (forced) prompt += CALL_OPEN;
      else generation.grammarTrigger = CALL_OPEN;
    }
    const bos = this.#info.bosToken;
    /** @type {GenerateRequest} */
    const request = {
      prompt,
      special: true,
      addBos: !(bos && prompt.startsWith(bos)),
      ...requestOptions({ nKeep: fitted.nKeep, ...generation, cacheKey: params.cacheKey }),
      ...(fitted.droppedMessages ? { droppedMessages: fitted.droppedMessages } : {}),
    };
    /** @type {() => ToolOutputReader | null} */
    const reader = () => (plan.choice === 'none' ? null : new ToolOutputReader(plan, { forced, newId: () => randomId('call') }));
    /** @type {<T>(pieces: AsyncGenerator<T>) => AsyncGenerator<T>} */
    const withToolErrors = (pieces) => (plan.choice === 'none' ? pieces : withToolSchemaErrors(pieces, plan));
    const id = randomId('chatcmpl');
    const created = Math.floor(Date.now() / 1000);
    const name = this.#info.metadata['general.name'];
    const model = params.model ?? (typeof name === 'string' ? name : 'smollm');
    /** @type {(s: GenerationStats | null) => CompletionUsage} */
    const usage = (s) => ({
      prompt_tokens: s?.promptTokens ?? 0,
      completion_tokens: s?.completionTokens ?? 0,
      total_tokens: (s?.promptTokens ?? 0) + (s?.completionTokens ?? 0),
      prompt_tokens_details: { cached_tokens: s?.reusedTokens ?? 0 },
      context_shift: {
        dropped_messages: s?.droppedMessages ?? 0, shifts: s?.contextShifts ?? 0, dropped_tokens: s?.droppedTokens ?? 0,
      },
    });
    // Absent unless asked: pieces carry logprobs only then.
    /** @type {(tokens: TokenLogprob[] | undefined) => {logprobs?: ChoiceLogprobs}} */
    const logprobsOf = (tokens) => (request.logprobs && tokens ? { logprobs: openAiLogprobs(tokens) } : {});
    if (!params.stream) {
      const tools = reader();
      let content = '';
      /** @type {TokenLogprob[]} */
      const tokens = [];
      for await (const piece of withToolErrors(this.#run(request, params.signal))) {
        content += tools ? tools.push(piece.text) : piece.text;
        if (piece.logprobs) tokens.push(...piece.logprobs);
      }
      const stats = /** @type {GenerationStats} */ (this.#stats);   // set by the finished run
      const end = tools?.finish() ?? { content: '', calls: [] };
      content += end.content;
      /** @type {ChatCompletionMessage} */
      const message = end.calls.length
        ? { role: 'assistant', content: content.trim() ? content : null, tool_calls: end.calls }
        : { role: 'assistant', content };
      return {
        id, object: 'chat.completion', created, model,
        choices: [{
          index: 0, message, finish_reason: end.calls.length ? 'tool_calls' : stats.finishReason, ...logprobsOf(tokens),
        }],
        usage: usage(stats),
      };
    }
    const self = this;
    /**
     * @param {{role?: 'assistant', content?: string, tool_calls?: ChatToolCallDelta[]}} delta
     * @param {ChatFinishReason | null} finishReason
     * @param {{usage?: CompletionUsage}} [extra]
     * @param {TokenLogprob[]} [tokens] the log-probabilities of the tokens of delta.content
     * @returns {ChatCompletionChunk}
     */
    const chunk = (delta, finishReason, extra = {}, tokens = undefined) => ({
      id, object: 'chat.completion.chunk', created, model,
      choices: [{ index: 0, delta, finish_reason: finishReason, ...logprobsOf(tokens) }], ...extra,
    });
    const tools = reader();
    return (async function* stream() {
      yield chunk({ role: 'assistant', content: '' }, null);
      /** @type {ChatFinishReason} */
      let finishReason;
      // With tools, text may be held back (a possible `<tool_call>`, or the call block): the
      // log-probabilities of its tokens go with the next chunk that carries anything.
      /** @type {TokenLogprob[]} */
      let pending = [];
      try {
        for await (const piece of withToolErrors(self.#run(request, params.signal))) {
          // A piece with tokens but no text yet (a character split across tokens) still
          // carries their log-probabilities.
          if (!tools) {
            if (piece.text || piece.logprobs?.length) yield chunk({ content: piece.text }, null, {}, piece.logprobs);
            continue;
          }
          if (piece.logprobs) pending.push(...piece.logprobs);
          const text = tools.push(piece.text);
          if (text) {
            yield chunk({ content: text }, null, {}, pending);
            pending = [];
          }
        }
        finishReason = /** @type {GenerationStats} */ (self.#stats).finishReason;
      } catch (error) {
        if (!(error instanceof Error && error.name === 'AbortError')) throw error;
        finishReason = 'abort';
      }
      const end = tools?.finish() ?? { content: '', calls: [] };
      if (end.content || pending.length) {
        yield chunk({ content: end.content }, null, {}, pending);
        pending = [];
      }
      // Each call as OpenAI streams one: its id and name first, then its arguments.
      for (const [index, call] of end.calls.entries()) {
        yield chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null);
        yield chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] }, null);
      }
      if (end.calls.length) finishReason = 'tool_calls';
      yield chunk({}, finishReason, { usage: usage(self.#stats) });
    })();
  }

  /**
   * Tool calls are made in SmolLM2's trained format, which is ChatML: the vocabulary must
   * have `<|im_start|>` and `<|im_end|>` as single tokens, and the chat template must render
   * the turns as ChatML (the tools' system turn as it is, the prompt ending with an open
   * assistant turn). A model without them would read the tool prompt as noise: refused.
   * @param {string} prompt the rendered chat
   * @param {string | null} system the system turn's content (the tool list)
   */
  async #checkToolFormat(prompt, system) {
    const refuse = (/** @type {string} */ why) => new InvalidArgumentError(
      `tools: this model cannot make tool calls (${why}); tool calls use SmolLM2's trained format, ` +
      'which needs a ChatML chat: give no tools, or tool_choice: "none"');
    for (const marker of ['<|im_start|>', '<|im_end|>']) {
      const ids = await this.#engine.tokenize(marker, { special: true, addBos: false });
      if (ids.length !== 1) throw refuse(`its vocabulary has no ${marker} token`);
    }
    if (!prompt.includes(`<|im_start|>system\n${system}<|im_end|>`) || !prompt.endsWith('<|im_start|>assistant\n')) {
      throw refuse('its chat template does not render ChatML turns');
    }
  }

  /**
   * The prompt of a chat request, with its oldest turns dropped when it would not fit the
   * context (chat-fit.js; not when contextShift is false), and the nKeep a context shift
   * during the answer uses: the system prompt's tokens, unless the request sets n_keep.
   * @param {ChatMessage[]} messages
   * @param {import('./types.js').GenerateOptions} options the request's, under package names
   * @returns {Promise<{prompt: string, droppedMessages: number, nKeep: number | undefined}>}
   */
  async #fitChat(messages, options) {
    if (!Array.isArray(messages)) return { prompt: await this.applyChatTemplate(messages), droppedMessages: 0, nKeep: undefined };
    const bos = this.#info.bosToken;
    /** @param {string} text */
    const tokens = async (text) => this.#engine.tokenize(text, { special: true, addBos: !(bos && text.startsWith(bos)) });
    const shift = options.contextShift !== false;
    let fitted = { messages, dropped: 0 };
    if (shift) {
      const contextSize = this.#info.contextSize;
      const maxTokens = typeof options.maxTokens === 'number' ? options.maxTokens : DEFAULT_MAX_TOKENS;
      fitted = await fitChat(messages, {
        countTokens: async (m) => (await tokens(await this.applyChatTemplate(m))).length,
        contextSize,
        reserve: Math.min(maxTokens, Math.floor(contextSize / 4)),
      });
    }
    const prompt = await this.applyChatTemplate(fitted.messages);
    let nKeep;
    if (shift && options.nKeep === undefined && fitted.messages[0]?.role === 'system') {
      // The system message rendered alone is where the full prompt's tokens start.
      const system = await tokens(await this.applyChatTemplate(fitted.messages.slice(0, 1), { addGenerationPrompt: false }));
      const full = await tokens(prompt);
      // The engine keeps a leading BOS on top of nKeep.
      const bosCount = full[0] === this.#info.bosId ? 1 : 0;
      if (system.length <= full.length && system.every((t, i) => t === full[i])) nKeep = Math.max(0, system.length - bosCount);
    }
    return { prompt, droppedMessages: fitted.dropped, nKeep };
  }

  /**
   * Token ids, no BOS. `special`: parse special-token text (default false).
   * @param {string} text
   * @param {{special?: boolean}} [options]
   * @returns {Promise<number[]>}
   */
  async tokenize(text, options = {}) {
    this.#live();
    return this.#engine.tokenize(text, { special: options.special ?? false, addBos: false });
  }

  /**
   * @param {ArrayLike<number>} ids
   * @param {{special?: boolean}} [options]
   * @returns {Promise<string>}
   */
  async detokenize(ids, options = {}) {
    this.#live();
    if (!ids || typeof ids.length !== 'number') throw new InvalidArgumentError('detokenize expects an array of token ids');
    return this.#engine.detokenize(ids, { special: options.special ?? false });
  }

  /**
   * Logits of every position of `tokens` evaluated from position 0: a tokens.length x nVocab
   * Float32Array, row by row. `batchSize` evaluates them in consecutive batches of that many
   * tokens (default: all at once, as a prefill; 1: token by token, as decoding).
   * @param {ArrayLike<number>} tokens
   * @param {{batchSize?: number}} [options]
   * @returns {Promise<EvalLogitsResult>}
   */
  async evalLogits(tokens, options = {}) {
    return this.#enqueue(() => this.#engine.evalLogits(tokens, options));
  }

  /**
   * -log p(tokens[j] | tokens[<j]) for j from firstTarget on (perplexity).
   * @param {ArrayLike<number>} tokens
   * @param {number} firstTarget
   * @returns {Promise<Float64Array>}
   */
  async negLogLikelihoods(tokens, firstTarget) {
    return this.#enqueue(() => this.#engine.negLogLikelihoods(tokens, firstTarget));
  }

  /**
   * Current wasm linear memory size of the engine, in bytes.
   * @returns {Promise<{wasmBytes: number}>}
   */
  async memoryUsage() {
    this.#live();
    return this.#engine.memoryUsage();
  }

  /**
   * Frees the engine, its memory and its worker. Later calls reject with UnloadedError.
   * @returns {Promise<void>}
   */
  async unload() {
    if (this.#unloaded) return;
    this.#unloaded = true;
    this.#current?.abort();
    await this.#queue;
    await this.#engine.unload();
  }
}

export { DEFAULT_SAMPLING };
