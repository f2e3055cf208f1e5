// The engine interface, implemented on the calling thread: owns the Emscripten module and
// the C++ engine. The worker host exposes exactly these methods to the page (see
// protocol.js), and Node scripts/CLIs may use it directly.
import {
  EngineCrashedError, EngineError, InvalidArgumentError, UnloadedError, abortError, fromEngineError,
} from '../errors.js';
import { crashedError, isWasmTrap } from './wasm-trap.js';
import { chooseBuild, chooseThreads, hardwareConcurrency, isNode, withThreadsAtOnce, yieldToEventLoop } from '../platform.js';
import { createModuleWithReason } from '../wasm-module.js';
import { renderChat } from '../chat-template.js';
import { templateLimits } from '../chat-template-limits.js';
import { resolveSources } from '../loader/model-sources.js';
import { expectedDigests, loadIntoMemory } from '../loader/load-into-memory.js';
import { engineGenerationParams } from '../options/engine-params.js';
import { batchOrder } from '../options/batch-order.js';
import { kvCacheTypes } from '../options/kv-cache.js';
import { tokenLogprob } from '../logprobs.js';

/**
 * @import { Engine, EngineHooks, EngineLoadOptions, GenerateRequest, RenderChatOptions, ResolvedSource } from './protocol.js'
 * @import { ChatMessage, EngineModelInfo, GenerationStats, TokenLogprob } from '../types.js'
 * @import { SmolLMModule, WasmEngine } from '../wasm-module-types.js'
 */
// A local name for the interface (declaration emit cannot write `implements` with an
// @import'ed typedef).
/** @typedef {Engine} EngineInterface */

// `cores` picks the default thread count; `engineCores` is what the engine's pool reads as the
// platform's cores (Emscripten's emscripten_num_logical_cores: os.cpus() in Node), against
// which ModelInfo.threadsReason tells a measured limit from the reported one.
async function coreCount() {
  if (isNode) {
    const os = await import('node:os');
    return { cores: os.availableParallelism?.() ?? os.cpus().length, coresSource: 'os.availableParallelism()', engineCores: os.cpus().length };
  }
  const reported = typeof navigator === 'object' && navigator.hardwareConcurrency > 0;
  const cores = hardwareConcurrency();
  return { cores, coresSource: reported ? 'navigator.hardwareConcurrency' : 'nothing (navigator.hardwareConcurrency is absent)', engineCores: cores };
}

/** @implements {EngineInterface} */
export class LocalEngine {
  /** @type {SmolLMModule | null} */
  #module = null;
  /** @type {WasmEngine | null} */
  #engine = null;
  /** @type {EngineModelInfo | null} */
  #info = null;
  /** @type {ReturnType<typeof templateLimits> | null} */
  #templateLimits = null;
  /** @type {string | null} whose prompt the KV cache holds (generate's cacheKey) */
  #cacheKey = null;
  /** @type {EngineCrashedError | null} the error of a wasm trap: every later call gets it */
  #crashed = null;
  /** the module's build name (smollm-st...), for a trap's error */
  #moduleName = '';

  /**
   * @param {ResolvedSource} source
   * @param {EngineLoadOptions} [options]
   * @param {EngineHooks<'load'>} [hooks]
   * @returns {Promise<EngineModelInfo>}
   */
  async load(source, options = {}, { onProgress, onWarning = () => {}, signal } = {}) {
    if (this.#engine) throw new EngineError('this engine already holds a model: unload it first');
    signal?.throwIfAborted?.();
    const { build, reason } = chooseBuild(options.build);
    const { cores, coresSource, engineCores } = await coreCount();
    const { threads, reason: threadsReason } = chooseThreads({ build, requested: options.threads, cores, coresSource });
    const contextSize = options.contextSize ?? 0;
    if (!Number.isInteger(contextSize) || contextSize < 0) throw new InvalidArgumentError('contextSize must be a positive integer');
    const kvTypes = kvCacheTypes(options);
    const order = batchOrder(options);
    try {
      this.#templateLimits = templateLimits(options.templateLimits);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
    const entries = await resolveSources(source, options);
    expectedDigests(options.sha256, entries.length);   // a malformed digest fails before any download
    const { module, simdReason, name } = await createModuleWithReason(build, threads, options.simd ?? 'auto');
    this.#module = module;
    this.#moduleName = name;
    let loaded;
    try {
      loaded = await loadIntoMemory(module, entries, { contextSize, kvTypes, sha256: options.sha256 }, onProgress, signal, onWarning);
    } catch (error) {
      this.#dropModule();
      throw isWasmTrap(error) ? crashedError(error, name) : error;
    }
    const total = loaded.parts.reduce((a, p) => a + p.size, 0);
    onProgress?.({ phase: 'prepare', loaded: 0, total, bytesPerSecond: 0 });
    if (signal?.aborted) {
      loaded.parts.forEach((p) => module._free(p.ptr));
      this.#dropModule();
      throw abortError(signal.reason);
    }
    try {
      // The context the memory plan chose (the caller's, or the default that fits).
      this.#engine = module.Engine.load(loaded.parts, threads, loaded.contextSize, kvTypes.key, kvTypes.value, order);
    } catch (error) {
      // After a trap the heap is not trusted, so nothing is freed into it: the module goes.
      const trapped = isWasmTrap(error);
      if (!trapped) loaded.parts.forEach((p) => module._free(p.ptr));
      this.#dropModule();
      throw trapped ? crashedError(error, name) : fromEngineError(error);
    }
    onProgress?.({ phase: 'prepare', loaded: total, total, bytesPerSecond: 0 });
    const engine = this.#engine;
    const info = engine.info();
    this.#info = {
      ...info,
      contextSizeReason: loaded.contextReason,
      kvCacheBytes: loaded.kvCacheBytes,
      threadsReason: withThreadsAtOnce(threadsReason, info.threads, info.threadsAtOnce, engineCores),
      build,
      buildReason: reason,
      simd: module.buildInfo().simd,
      simdReason,
      fileBytes: total,
    };
    return this.#info;
  }

  /** @returns {WasmEngine} */
  #live() {
    if (this.#crashed) throw this.#crashed;
    if (!this.#engine) throw new UnloadedError();
    return this.#engine;
  }

  // The model's chat template (untrusted Jinja) rendered here, in the engine's thread, under
  // the load's templateLimits. moduleUrl: where the page resolved @huggingface/jinja.
  /**
   * @param {ChatMessage[]} messages
   * @param {RenderChatOptions} [options]
   * @returns {Promise<string>}
   */
  async renderChat(messages, { addGenerationPrompt = true, moduleUrl = null } = {}) {
    this.#live();
    const info = /** @type {EngineModelInfo} */ (this.#info);
    return renderChat(info.chatTemplate, messages, {
      addGenerationPrompt, bosToken: info.bosToken, eosToken: info.eosToken,
      limits: this.#templateLimits ?? undefined, moduleUrl,
    });
  }

  /** @returns {Promise<EngineModelInfo>} */
  async info() {
    this.#live();
    return /** @type {EngineModelInfo} */ (this.#info);
  }

  /**
   * Runs a call into the engine: a wasm trap marks the engine crashed, an engine error
   * becomes its class (errors.js).
   * @template T
   * @param {() => T} fn
   * @returns {T}
   */
  #call(fn) {
    try {
      return fn();
    } catch (error) {
      if (isWasmTrap(error)) {
        this.#crashed = crashedError(error, this.#moduleName);
        // The heap is not trusted after a trap, so nothing is freed into it: the module goes,
        // and its memory with it, now rather than at an unload the caller may never reach.
        this.#engine = null;
        this.#info = null;
        this.#dropModule();
        throw this.#crashed;
      }
      throw fromEngineError(error);
    }
  }

  /**
   * @param {string} text
   * @param {{special?: boolean, addBos?: boolean}} [options]
   * @returns {Promise<number[]>}
   */
  async tokenize(text, { special = false, addBos = false } = {}) {
    const engine = this.#live();
    if (typeof text !== 'string') throw new InvalidArgumentError('tokenize expects a string');
    return this.#call(() => Array.from(engine.tokenize(text, special, addBos)));
  }

  /**
   * @param {ArrayLike<number>} ids
   * @param {{special?: boolean}} [options]
   * @returns {Promise<string>}
   */
  async detokenize(ids, { special = false } = {}) {
    const engine = this.#live();
    return this.#call(() => engine.detokenize(Array.from(ids, Number), special));
  }

  /**
   * Streams a completion. request: {prompt | tokens, special, addBos, ...GenerateOptions}.
   * onPiece({text, tokens, elapsedMs}) per piece; resolves to the GenerationStats. An aborted
   * signal ends it within one token with finishReason "abort" (the engine stays usable).
   */
  /**
   * @param {GenerateRequest} request
   * @param {EngineHooks<'generate'>} [hooks]
   * @returns {Promise<GenerationStats>}
   */
  async generate(request, { onPiece = () => {}, signal } = {}) {
    const engine = this.#live();
    const start = performance.now();
    const prompt = request.tokens
      ? Array.from(request.tokens, Number)
      : await this.tokenize(request.prompt ?? '', { special: request.special ?? true, addBos: request.addBos ?? true });
    if (prompt.length === 0) throw new InvalidArgumentError('the prompt is empty: give at least one token of text');
    const nCtx = engine.nCtx();
    const options = engineGenerationParams(request, { nVocab: engine.nVocab(), room: nCtx - prompt.length });
    // A generation for another cacheKey starts from an empty cache, so neither its reused
    // token count nor its prefill time says anything about the previous owner's prompt.
    const cacheKey = request.cacheKey ?? null;
    if (cacheKey !== this.#cacheKey) {
      this.#call(() => engine.truncateCache(0));
      this.#cacheKey = cacheKey;
    }
    // A chat that dropped its oldest turns: the turns that stay are still cached after the
    // dropped ones; a context shift moves them down so they are reused, not evaluated again.
    if (request.droppedMessages && options.contextShift) this.#call(() => engine.shiftCacheToMatch(prompt));
    this.#call(() => engine.beginGeneration(prompt, options));
    const reused = engine.reusedTokens();
    /** @type {number[]} */
    let pending = [];
    /** @type {TokenLogprob[]} the pending tokens' log-probabilities, when asked */
    let pendingLogprobs = [];
    /** @type {number | null} */
    let firstTokenAt = null;
    let completion = 0;
    /** @type {GenerationStats['finishReason']} */
    let finishReason = 'length';
    /** @param {string} text */
    const emit = (text) => {
      const logprobs = options.logprobs ? { logprobs: pendingLogprobs } : {};
      onPiece({ text, tokens: pending, elapsedMs: performance.now() - start, ...logprobs });
      pending = [];
      pendingLogprobs = [];
    };
    for (;;) {
      if (signal?.aborted) {
        finishReason = 'abort';
        break;
      }
      const r = this.#call(() => engine.step());
      if (r.kind === 'token') {
        firstTokenAt ??= performance.now();
        completion += 1;
        pending.push(r.token);
        if (r.logprob) pendingLogprobs.push(tokenLogprob(r.logprob, r.topLogprobs ?? []));
        if (r.text) emit(r.text);
      } else if (r.kind === 'done') {
        if (r.text || pending.length) emit(r.text);
        finishReason = r.finishReason;
        break;
      }
      await yieldToEventLoop();
    }
    if (pending.length) emit('');
    const end = performance.now();
    const prefillMs = (firstTokenAt ?? end) - start;
    const decodeMs = firstTokenAt === null ? 0 : end - firstTokenAt;
    const evaluated = prompt.length - reused;
    return {
      promptTokens: prompt.length,
      reusedTokens: reused,
      completionTokens: completion,
      prefillMs,
      decodeMs,
      prefillTokensPerSecond: prefillMs > 0 ? (evaluated / prefillMs) * 1000 : 0,
      decodeTokensPerSecond: decodeMs > 0 && completion > 1 ? ((completion - 1) / decodeMs) * 1000 : 0,
      contextUsed: engine.cachedTokenCount(),
      contextSize: nCtx,
      contextShifts: engine.contextShifts(),
      droppedTokens: engine.shiftedOutTokens(),
      droppedMessages: request.droppedMessages ?? 0,
      finishReason,
    };
  }

  // Every position's logits for `tokens` evaluated from position 0: {nVocab, logits} with
  // logits a Float32Array of tokens.length x nVocab (row per position). batchSize splits the
  // evaluation into consecutive evals of that many tokens (1: token by token, as decoding).
  /**
   * @param {ArrayLike<number>} tokens
   * @param {{batchSize?: number}} [options]
   * @returns {Promise<{nVocab: number, logits: Float32Array}>}
   */
  async evalLogits(tokens, { batchSize } = {}) {
    const engine = this.#live();
    const ids = Array.from(tokens, Number);
    if (ids.length === 0) throw new InvalidArgumentError('no tokens to evaluate');
    const batch = batchSize ?? ids.length;
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batchSize must be a positive integer');
    const nVocab = engine.nVocab();
    const out = new Float32Array(ids.length * nVocab);
    this.#call(() => {
      for (let start = 0; start < ids.length; start += batch) {
        const part = ids.slice(start, start + batch);
        engine.eval(part, start, true);
        for (let i = 0; i < part.length; ++i) out.set(engine.logits(i), (start + i) * nVocab);
      }
    });
    return { nVocab, logits: out };
  }

  // -log p(tokens[j] | tokens[<j]) for j in [firstTarget, n), evaluating from position 0.
  /**
   * @param {ArrayLike<number>} tokens
   * @param {number} firstTarget
   * @returns {Promise<Float64Array>}
   */
  async negLogLikelihoods(tokens, firstTarget) {
    const engine = this.#live();
    const ids = Array.from(tokens, Number);
    if (firstTarget < 1 || firstTarget >= ids.length) throw new InvalidArgumentError('firstTarget must lie in [1, tokens.length)');
    const out = new Float64Array(ids.length - firstTarget);
    this.#call(() => {
      engine.eval(ids, 0, true);
      for (let j = firstTarget; j < ids.length; ++j) out[j - firstTarget] = engine.negLogLikelihood(j - 1, ids[j]);
    });
    return out;
  }

  // wasm memory size in bytes (never shrinks while the module lives; 0 after unload).
  /** @returns {Promise<{wasmBytes: number}>} */
  async memoryUsage() {
    return { wasmBytes: this.#module ? this.#module.HEAPU8.length : 0 };
  }

  /** @returns {Promise<void>} */
  async unload() {
    if (this.#engine) {
      this.#engine.delete();
      this.#engine = null;
    }
    this.#info = null;
    this.#dropModule();
  }

  // The pthread Workers would otherwise keep a Node process (or a worker) alive.
  #dropModule() {
    this.#module?.PThread?.terminateAllThreads?.();
    this.#module = null;
  }
}
