// The public model object: load, generate, chat completions, tokenize, unload. It talks to
// an engine (in a worker by default, or on this thread) through one interface, and runs one
// generation at a time: a second generate() waits for the first (never interleaved).
import { DEFAULT_SAMPLING } from './options/generation-fields.js';
import { fromOpenAi } from './options/openai.js';
import { requestOptions } from './options/request.js';
import { kvCacheTypes } from './options/kv-cache.js';
import { openAiLogprobs } from './logprobs.js';
import { InvalidArgumentError, UnloadedError, abortError } from './errors.js';
import { isNode } from './platform.js';
import { checkSimdChoice } from './simd-support.js';
import { requestStorage } from './cache/storage-status.js';
import { LocalEngine } from './engine/local-engine.js';
import { WorkerEngine } from './engine/worker-engine.js';

/**
 * @import { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletions,
 *   ChatMessage, ChoiceLogprobs, CompletionUsage, FinishReason, GeneratedPiece, GenerateOptions, GenerationStats,
 *   LoadOptions, ModelInfo, ModelSource, TokenLogprob } from './types.js'
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
    const prompt = await this.applyChatTemplate(params.messages);
    const bos = this.#info.bosToken;
    /** @type {GenerateRequest} */
    const request = {
      prompt,
      special: true,
      addBos: !(bos && prompt.startsWith(bos)),
      ...requestOptions({ ...fromOpenAi(params), cacheKey: params.cacheKey }),
    };
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
    });
    // Absent unless asked: pieces carry logprobs only then.
    /** @type {(tokens: TokenLogprob[] | undefined) => {logprobs?: ChoiceLogprobs}} */
    const logprobsOf = (tokens) => (request.logprobs && tokens ? { logprobs: openAiLogprobs(tokens) } : {});
    if (!params.stream) {
      let content = '';
      /** @type {TokenLogprob[]} */
      const tokens = [];
      for await (const piece of this.#run(request, params.signal)) {
        content += piece.text;
        if (piece.logprobs) tokens.push(...piece.logprobs);
      }
      const stats = /** @type {GenerationStats} */ (this.#stats);   // set by the finished run
      return {
        id, object: 'chat.completion', created, model,
        choices: [{
          index: 0, message: { role: 'assistant', content }, finish_reason: stats.finishReason, ...logprobsOf(tokens),
        }],
        usage: usage(stats),
      };
    }
    const self = this;
    /**
     * @param {{role?: 'assistant', content?: string}} delta
     * @param {FinishReason | null} finishReason
     * @param {{usage?: CompletionUsage}} [extra]
     * @param {TokenLogprob[]} [tokens] the log-probabilities of the tokens of delta.content
     * @returns {ChatCompletionChunk}
     */
    const chunk = (delta, finishReason, extra = {}, tokens = undefined) => ({
      id, object: 'chat.completion.chunk', created, model,
      choices: [{ index: 0, delta, finish_reason: finishReason, ...logprobsOf(tokens) }], ...extra,
    });
    return (async function* stream() {
      yield chunk({ role: 'assistant', content: '' }, null);
      /** @type {FinishReason} */
      let finishReason;
      try {
        for await (const piece of self.#run(request, params.signal)) {
          // A piece with tokens but no text yet (a character split across tokens) still
          // carries their log-probabilities.
          if (piece.text || piece.logprobs?.length) yield chunk({ content: piece.text }, null, {}, piece.logprobs);
        }
        finishReason = /** @type {GenerationStats} */ (self.#stats).finishReason;
      } catch (error) {
        if (!(error instanceof Error && error.name === 'AbortError')) throw error;
        finishReason = 'abort';
      }
      yield chunk({}, finishReason, { usage: usage(self.#stats) });
    })();
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
