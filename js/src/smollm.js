// The public model object: load, generate, chat completions, tokenize, unload. It talks to
// an engine (in a worker by default, or on this thread) through one interface, and runs one
// generation at a time: a second generate() waits for the first (never interleaved).
import { DEFAULT_SAMPLING } from './options/generation-fields.js';
import { fromOpenAi } from './options/openai.js';
import { requestOptions } from './options/request.js';
import { InvalidArgumentError, UnloadedError, abortError } from './errors.js';
import { isNode } from './platform.js';
import { checkSimdChoice } from './simd-support.js';
import { requestStorage } from './cache/storage-status.js';
import { LocalEngine } from './engine/local-engine.js';
import { WorkerEngine } from './engine/worker-engine.js';

// Strings and URLs become absolute strings (the worker has another base URL); Blobs pass.
function normalizeSource(source) {
  if (Array.isArray(source)) return source.map(normalizeSource);
  if (source instanceof URL) return source.href;
  if (typeof source === 'string' && !isNode && typeof location === 'object') return new URL(source, location.href).href;
  if (typeof source === 'string' && isNode && !/^[a-z]+:/i.test(source)) {
    return process.cwd() && source.startsWith('/') ? source : `${process.cwd()}/${source}`;
  }
  return source;
}

function randomId(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`;
}

export class SmolLM {
  #engine;
  #info;
  #stats = null;
  #queue = Promise.resolve();
  #current = null;   // AbortController of the running generation
  #unloaded = false;

  constructor(engine, info) {
    this.#engine = engine;
    this.#info = info;
    const self = this;
    this.chat = { completions: { create: (params) => self.#createChatCompletion(params) } };
  }

  static async load(source, options = {}) {
    const { onProgress, onWarning = (e) => console.warn(`smollm-wasm: ${e.message}`), signal, worker = true, persist = false, ...rest } = options;
    if (rest.threads !== undefined && !(Number.isInteger(rest.threads) && rest.threads >= 1)) {
      throw new InvalidArgumentError('threads must be a positive integer');
    }
    if (typeof persist !== 'boolean') throw new InvalidArgumentError('persist must be true or false');
    if (rest.simd !== undefined) checkSimdChoice(rest.simd);
    if (signal?.aborted) throw abortError(signal.reason);
    // Asked on this thread (persist() is not exposed in workers), before the download starts.
    const storage = requestStorage(persist && rest.cache !== false);
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

  get info() {
    this.#live();
    return this.#info;
  }

  get stats() {
    return this.#stats;
  }

  #enqueue(fn) {
    const run = this.#queue.then(() => {
      this.#live();
      return fn();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  generate(prompt, options = {}) {
    if (typeof prompt !== 'string') throw new InvalidArgumentError('generate() expects a prompt string');
    return this.#run({ prompt, ...requestOptions(options) }, options.signal);
  }

  // Pieces of one queued generation. Breaking out of the loop aborts it; an aborted caller
  // signal makes it throw AbortError after the engine stopped.
  async *#run(request, signal) {
    this.#live();
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) controller.abort();
    const pieces = [];
    let wake = null;
    let finished = false;
    let failure = null;
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
    turn.then(() => {}, (e) => { failure = e; }).finally(() => { finished = true; wake?.(); });
    try {
      for (;;) {
        if (pieces.length) {
          yield pieces.shift();
          continue;
        }
        if (finished) break;
        await new Promise((resolve) => { wake = resolve; });
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

  // The template is untrusted code from the model file: it renders in the engine's worker
  // under time and size limits (chat-template-limits.js), never on this thread.
  async applyChatTemplate(messages, { addGenerationPrompt = true } = {}) {
    this.#live();
    return this.#engine.renderChat(messages, { addGenerationPrompt });
  }

  async #createChatCompletion(params) {
    this.#live();
    if (!params || typeof params !== 'object') throw new InvalidArgumentError('create() expects {messages, ...}');
    const prompt = await this.applyChatTemplate(params.messages);
    const bos = this.#info.bosToken;
    const request = {
      prompt,
      special: true,
      addBos: !(bos && prompt.startsWith(bos)),
      ...requestOptions({ ...fromOpenAi(params), cacheKey: params.cacheKey }),
    };
    const id = randomId('chatcmpl');
    const created = Math.floor(Date.now() / 1000);
    const model = params.model ?? this.#info.metadata['general.name'] ?? 'smollm';
    const usage = (s) => ({
      prompt_tokens: s?.promptTokens ?? 0,
      completion_tokens: s?.completionTokens ?? 0,
      total_tokens: (s?.promptTokens ?? 0) + (s?.completionTokens ?? 0),
      prompt_tokens_details: { cached_tokens: s?.reusedTokens ?? 0 },
    });
    if (!params.stream) {
      let content = '';
      for await (const piece of this.#run(request, params.signal)) content += piece.text;
      const stats = this.#stats;
      return {
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: stats.finishReason }],
        usage: usage(stats),
      };
    }
    const self = this;
    const chunk = (delta, finishReason, extra = {}) => ({
      id, object: 'chat.completion.chunk', created, model,
      choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra,
    });
    return (async function* stream() {
      yield chunk({ role: 'assistant', content: '' }, null);
      let finishReason = null;
      try {
        for await (const piece of self.#run(request, params.signal)) {
          if (piece.text) yield chunk({ content: piece.text }, null);
        }
        finishReason = self.#stats.finishReason;
      } catch (error) {
        if (error?.name !== 'AbortError') throw error;
        finishReason = 'abort';
      }
      yield chunk({}, finishReason, { usage: usage(self.#stats) });
    })();
  }

  async tokenize(text, { special = false } = {}) {
    this.#live();
    return this.#engine.tokenize(text, { special, addBos: false });
  }

  async detokenize(ids, { special = false } = {}) {
    this.#live();
    if (!ids || typeof ids.length !== 'number') throw new InvalidArgumentError('detokenize expects an array of token ids');
    return this.#engine.detokenize(ids, { special });
  }

  // Every position's logits for `tokens` evaluated from position 0 (parity checks, CLI eval).
  async evalLogits(tokens, options = {}) {
    return this.#enqueue(() => this.#engine.evalLogits(tokens, options));
  }

  // -log p(tokens[j] | tokens[<j]) for j >= firstTarget (perplexity).
  async negLogLikelihoods(tokens, firstTarget) {
    return this.#enqueue(() => this.#engine.negLogLikelihoods(tokens, firstTarget));
  }

  async memoryUsage() {
    this.#live();
    return this.#engine.memoryUsage();
  }

  async unload() {
    if (this.#unloaded) return;
    this.#unloaded = true;
    this.#current?.abort();
    await this.#queue;
    await this.#engine.unload();
  }
}

export { DEFAULT_SAMPLING };
