// Public API of smollm-wasm: run SmolLM / SmolLM2 (any llama-architecture GGUF) on the CPU in
// WebAssembly, in a browser (inside a dedicated Web Worker) or in Node (inside worker_threads).
//
//   import { SmolLM } from 'smollm-wasm';
//   const llm = await SmolLM.load('https://example.com/SmolLM2-1.7B-Instruct-Q4_K_M.gguf', {
//     onProgress: (p) => console.log(p.phase, p.loaded, p.total),
//   });
//   const stream = await llm.chat.completions.create({
//     messages: [{ role: 'user', content: 'Hello!' }], stream: true,
//   });
//   for await (const chunk of stream) out.textContent += chunk.choices[0].delta.content ?? '';

/** What a model can be loaded from. */
export type ModelSource =
  | string // an http(s) URL (browser and Node) or a file path (Node)
  | URL
  | Blob // a File from <input type=file> or drag and drop
  | ReadonlyArray<string | URL | Blob>; // every part of a split GGUF, in order

/** Load progress. `total` is the size of the whole model in bytes (all split parts). */
export interface LoadProgress {
  /** download: from the network; cache: from the offline cache or a local file; prepare: building the engine. */
  phase: 'download' | 'cache' | 'prepare';
  loaded: number;
  total: number;
  /** Average throughput of the current phase, bytes per second (0 when unknown). */
  bytesPerSecond: number;
  /** Set when a dropped download restarted from zero (server without Range support), with the reason. */
  restarted?: string;
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Problems that do not stop the load (e.g. QuotaError: the model could not be cached). Default: console.warn. */
  onWarning?: (warning: SmolLMError) => void;
  /**
   * Worker threads for the matrix kernels. Default: every core of `navigator.hardwareConcurrency`
   * (or `os.availableParallelism()` in Node) up to 2 cores, one fewer than the cores above
   * that, at most 16. Ignored (1) when the single-thread build is used.
   */
  threads?: number;
  /** KV cache size in tokens. Default: the model's trained context, capped at 2048. */
  contextSize?: number;
  /** Limits on rendering the model's chat template (see TemplateLimits). */
  templateLimits?: TemplateLimits;
  /**
   * Offline cache. Default true: completed downloads are stored (browser: Cache Storage, or
   * IndexedDB where the browser has no origin private file system, e.g. WebKitGTK; Node:
   * `~/.cache/smollm-wasm` or `$SMOLLM_WASM_CACHE`) and later loads need no network.
   */
  cache?: boolean;
  /**
   * Ask the browser to keep this origin's storage persistently (`navigator.storage.persist()`),
   * so a cached model is not evicted under storage pressure; worth it before a large download.
   * Default false. Asked from the page (persist() is not exposed in workers) as the load
   * starts; the load never waits for the answer (Firefox asks the user, who may not answer).
   * The outcome is in `ModelInfo.storage`. Ignored with `cache: false`.
   */
  persist?: boolean;
  /** Aborting stops the load at once (rejects with a DOMException named AbortError). */
  signal?: AbortSignal;
  /**
   * Run the engine in a worker (default true). `false` runs it on the calling thread: only
   * sensible in Node scripts and CLIs, never on a page.
   */
  worker?: boolean;
  /** Force a build instead of the automatic choice (multi-thread iff crossOriginIsolated / Node). */
  build?: 'multi-thread' | 'single-thread';
  /**
   * SIMD kind of the build. 'auto' (default) takes the relaxed-SIMD build (faster k-quant
   * kernels, bit-identical logits) when the JavaScript engine validates relaxed SIMD and a
   * built-in check finds the final (not the draft) semantics, and the package has those files;
   * otherwise the plain SIMD128 build, with the reason in `ModelInfo.simdReason`. In browsers a
   * relaxed build that fails to load (e.g. a 404) falls back to SIMD128 too. 'relaxed' forces
   * it and rejects with an InvalidArgumentError naming the cause when it cannot be used (Node 20
   * cannot); 'simd128' forces the plain build.
   */
  simd?: 'auto' | 'relaxed' | 'simd128';
  /** Download retries after a dropped connection or 5xx/429 (default 5, exponential backoff). */
  retries?: number;
  /** Abort a download that receives nothing for this long, then retry (default 30000 ms). */
  stallTimeoutMs?: number;
  /**
   * Expected SHA-256 of the model file as 64 hex digits (one per file, in order, for a split
   * model). The bytes are hashed as they land in wasm memory (no extra copy) and checked
   * before the engine is built; a mismatch rejects with an InvalidModelError naming the
   * expected and actual digests. A download that fails the check is not cached; a cached copy
   * that fails it is deleted and downloaded again (reported through `onWarning`).
   */
  sha256?: string | ReadonlyArray<string>;
}

/**
 * Sampling options. Defaults follow the SmolLM2 model card: temperature 0.2, topP 0.9,
 * everything else off (topK 0, minP 0, penalties neutral).
 */
export interface SamplingOptions {
  /** 0 means greedy (argmax). Default 0.2. */
  temperature?: number;
  /** 0 disables. Default 0. */
  topK?: number;
  /** 1 disables. Default 0.9. */
  topP?: number;
  /** 0 disables. Default 0. */
  minP?: number;
  /** llama.cpp semantics over the last `penaltyLastN` tokens; 1 disables. Default 1. */
  repeatPenalty?: number;
  /** Window of recent tokens the three penalties look at. Default 64. */
  penaltyLastN?: number;
  /** Default 0. */
  presencePenalty?: number;
  /** Default 0. */
  frequencyPenalty?: number;
  /** Same seed + same inputs = same tokens. Default: random. */
  seed?: number;
  /** Added to the logits of the given token ids before sampling. */
  logitBias?: Record<number, number>;
}

export interface GenerateOptions extends SamplingOptions {
  /** Default 256. Generation also stops at the context size (finish reason `length`). */
  maxTokens?: number;
  /** Stop strings: the matched text is never emitted. */
  stop?: string | string[];
  /** Keep going past end-of-generation tokens (for benchmarks). */
  ignoreEos?: boolean;
  /** Aborting stops generation within one token; the iterator throws an AbortError DOMException. */
  signal?: AbortSignal;
  /** Parse special-token text such as `<|im_start|>` in the prompt (default true). */
  special?: boolean;
  /** Add the BOS token when the vocabulary asks for it (default true). */
  addBos?: boolean;
  /**
   * Prompt-cache partition. A generation reuses the KV cache only after a generation with the
   * same cacheKey; another key starts from an empty cache, so neither `reusedTokens` nor the
   * prefill time tells one client about another's prompt (`serve` keys it per connection).
   */
  cacheKey?: string;
}

/** Render limits of the model's chat template (untrusted Jinja); over one: TemplateLimitError. */
export interface TemplateLimits {
  /** Characters of the template itself (default 1 Mi): parsing is bounded by its input. */
  sourceChars?: number;
  /** Wall clock of one render, ms (default 1000). */
  timeMs?: number;
  /** Node evaluations of one render (default 5,000,000). */
  steps?: number;
  /** Characters of the rendered prompt (default 4 Mi). */
  outputChars?: number;
  /** Characters of any one string the template builds (default 4 Mi). */
  valueChars?: number;
  /** Entries of any one list or mapping, and of range() (default 10,000). */
  items?: number;
  /** Characters of all strings one render produces together (default 64 Mi). */
  totalChars?: number;
}

/** One streamed piece of generated text. Joining every `text` gives the full output. */
export interface GeneratedPiece {
  text: string;
  /** Token ids sampled for this piece (text may lag a token behind when a character spans tokens). */
  tokens: number[];
  /** Milliseconds since generate() was called. */
  elapsedMs: number;
}

export type FinishReason = 'stop' | 'length' | 'abort';

/** Figures of the last finished (or aborted) generation. */
export interface GenerationStats {
  promptTokens: number;
  /** Prompt tokens found in the KV cache from the previous turn: not evaluated again. */
  reusedTokens: number;
  completionTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** Prompt tokens actually evaluated (prompt - reused) per second. */
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  /** Tokens held in the KV cache afterwards, and its size. */
  contextUsed: number;
  contextSize: number;
  finishReason: FinishReason;
}

export interface ModelInfo {
  architecture: string;
  /** KV cache size in tokens. */
  contextSize: number;
  /** Model's trained context (`<arch>.context_length`). */
  trainedContextSize: number;
  threads: number;
  /**
   * How `threads` was chosen, e.g. "requested by the caller (threads option)" or "default for 4
   * core(s) reported by navigator.hardwareConcurrency (one core left for the page, at most 16)".
   */
  threadsReason: string;
  build: 'multi-thread' | 'single-thread';
  /** Why this build was picked, e.g. "crossOriginIsolated is false: SharedArrayBuffer unavailable". */
  buildReason: string;
  /** SIMD kind of the running build (see LoadOptions.simd). */
  simd: 'relaxed' | 'simd128';
  /** Why this SIMD kind, e.g. "this JavaScript engine does not support relaxed SIMD (WebAssembly.validate is false)". */
  simdReason: string;
  /** Bytes held by the engine: weights + KV cache + scratch. */
  memoryBytes: number;
  /** Tensor type name -> number of tensors of that type, e.g. { Q4_K: 120, Q6_K: 25, F32: 49 }. */
  tensorTypes: Record<string, number>;
  /** `tokenizer.chat_template`, or null (ChatML is used then). */
  chatTemplate: string | null;
  nVocab: number;
  bosId: number;
  eosId: number;
  /** Whether the vocabulary asks for a BOS token before a prompt. */
  addBos: boolean;
  bosToken: string | null;
  eosToken: string | null;
  /** tokenizer.ggml.model ("gpt2", "llama") and pre-tokenizer ("smollm", "llama-bpe", ...). */
  tokenizerModel: string;
  preTokenizer: string;
  /** Size of the model file(s) in bytes. */
  fileBytes: number;
  /** The GGUF metadata: key -> value (long token arrays are summarised as their length). */
  metadata: Record<string, unknown>;
  /** Where the offline cache stands at the end of the load, or null if it could not be read. */
  storage: StorageStatus | null;
}

export interface StorageStatus {
  /** Whether LoadOptions.persist asked for persistent storage. */
  persistRequested: boolean;
  /**
   * Whether this origin's storage is persistent (never evicted under pressure): the answer to
   * the request, or `navigator.storage.persisted()` when there was none or it is still
   * unanswered; always true in Node (a directory on disk). null where the platform does not say.
   */
  persisted: boolean | null;
  /** Bytes this origin may store (browser: `navigator.storage.estimate()`; Node: cache + free disk). */
  quotaBytes: number | null;
  /** Bytes it stores now (browser: the whole origin's usage; Node: the cached models). */
  usageBytes: number | null;
}

// --- Chat completions, OpenAI-shaped -------------------------------------------------------

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

export interface ChatCompletionCreateParams {
  messages: ChatMessage[];
  stream?: boolean;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  repeat_penalty?: number;
  stop?: string | string[];
  seed?: number;
  logit_bias?: Record<number, number>;
  model?: string;
  signal?: AbortSignal;
  /** Prompt-cache partition (GenerateOptions.cacheKey); not an OpenAI field. */
  cacheKey?: string;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens reused from the KV cache (multi-turn prefix), not evaluated again. */
  prompt_tokens_details?: { cached_tokens: number };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: { role: 'assistant'; content: string };
    finish_reason: FinishReason;
  }>;
  usage: CompletionUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    delta: { role?: 'assistant'; content?: string };
    finish_reason: FinishReason | null;
  }>;
  /** Present on the last chunk only. */
  usage?: CompletionUsage;
}

export interface ChatCompletions {
  /** Aborting (signal) ends a stream with finish_reason "abort"; a non-streamed call rejects with AbortError. */
  create(params: ChatCompletionCreateParams & { stream: true }): Promise<AsyncIterable<ChatCompletionChunk>>;
  create(params: ChatCompletionCreateParams & { stream?: false }): Promise<ChatCompletion>;
  create(params: ChatCompletionCreateParams): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
}

// --- The model ------------------------------------------------------------------------------

export declare class SmolLM {
  /** Downloads (or reads from the cache, a File or a path) and prepares a model. */
  static load(source: ModelSource, options?: LoadOptions): Promise<SmolLM>;

  /** Static facts about the loaded model. Throws UnloadedError after unload(). */
  readonly info: ModelInfo;
  /** Figures of the last generation, or null before the first. */
  readonly stats: GenerationStats | null;

  /**
   * Streams a completion of `prompt` (raw text, no template). Concurrent calls on one
   * instance are queued and run one after another. Leaving `for await` early cancels.
   */
  generate(prompt: string, options?: GenerateOptions): AsyncIterableIterator<GeneratedPiece>;

  readonly chat: { completions: ChatCompletions };

  /**
   * Renders messages with the model's chat template (ChatML when it has none), in the engine's
   * worker under the load's `templateLimits`.
   */
  applyChatTemplate(messages: ChatMessage[], options?: { addGenerationPrompt?: boolean }): Promise<string>;

  /** Token ids, no BOS. `special`: parse special-token text (default false). */
  tokenize(text: string, options?: { special?: boolean }): Promise<number[]>;
  detokenize(ids: ArrayLike<number>, options?: { special?: boolean }): Promise<string>;

  /**
   * Logits of every position of `tokens` evaluated from position 0: a tokens.length x nVocab
   * Float32Array, row by row. `batchSize` evaluates them in consecutive batches of that many
   * tokens (default: all at once, as a prefill; 1: token by token, as decoding).
   */
  evalLogits(tokens: ArrayLike<number>, options?: { batchSize?: number }): Promise<{ nVocab: number; logits: Float32Array }>;
  /** -log p(tokens[j] | tokens[<j]) for j from firstTarget on (perplexity). */
  negLogLikelihoods(tokens: ArrayLike<number>, firstTarget: number): Promise<Float64Array>;
  /** Current wasm linear memory size of the engine, in bytes. */
  memoryUsage(): Promise<{ wasmBytes: number }>;

  /** Frees the engine, its memory and its worker. Later calls reject with UnloadedError. */
  unload(): Promise<void>;
}

export declare const DEFAULT_SAMPLING: Readonly<Required<Omit<SamplingOptions, 'seed' | 'logitBias'>>>;

// --- Offline cache --------------------------------------------------------------------------

export interface CachedModel {
  url: string;
  bytes: number;
  etag: string | null;
  storedAt: number; // ms since epoch
}

export declare const cache: {
  list(): Promise<CachedModel[]>;
  /** True when a complete copy of the file at `url` is cached (for a split model, ask per part). */
  has(url: string | URL): Promise<boolean>;
  delete(url: string | URL): Promise<boolean>;
  clear(): Promise<void>;
  /** Bytes used by cached models, and the quota (browser: the origin's; Node: free disk + used), null when unknown. */
  storage(): Promise<{ usedBytes: number; quotaBytes: number | null }>;
};

// --- Errors: every failure is one of these (plus DOMException AbortError on abort) ----------

export declare class SmolLMError extends Error {
  readonly code: string;
}
/** The server answered with an HTTP error. */
export declare class HttpError extends SmolLMError {
  readonly status: number;
  readonly url: string;
}
/** The request failed without an HTTP status: CORS refusal, DNS, offline, connection reset after all retries. */
export declare class NetworkError extends SmolLMError {
  readonly url: string;
}
/** The bytes are not a usable GGUF: bad magic, unsupported version, corrupt or truncated header or data. */
export declare class InvalidModelError extends SmolLMError {}
/** A valid GGUF this engine cannot run: architecture or tensor type. */
export declare class UnsupportedModelError extends SmolLMError {}
/** The model + KV cache will not fit in 4 GB of wasm memory (known from the header, before the download). */
export declare class ModelTooLargeError extends SmolLMError {
  readonly requiredBytes: number;
  readonly limitBytes: number;
}
/** Storage quota exceeded while caching; the model still loads, uncached, unless reported otherwise. */
export declare class QuotaError extends SmolLMError {}
/** Bad arguments (e.g. a sampling value out of range). */
export declare class InvalidArgumentError extends SmolLMError {}
/** The prompt alone fills the context (OpenAI's context_length_exceeded). */
export declare class ContextLengthError extends InvalidArgumentError {
  readonly promptTokens: number;
  readonly contextSize: number;
}
/** The model's chat template went over a render limit; `limit` names it (a TemplateLimits key). */
export declare class TemplateLimitError extends SmolLMError {
  readonly limit: keyof TemplateLimits;
  readonly limitValue: number;
}
/** The engine failed while running (message from the C++ engine). */
export declare class EngineError extends SmolLMError {}
/** The wasm engine trapped; this model object cannot be used again (load it again). */
export declare class EngineCrashedError extends EngineError {}
/** The multi-thread build's pthread workers could not start (SmolLM.load rejects with it). */
export declare class ThreadStartError extends EngineError {}
/** The model was unloaded (or its worker died). */
export declare class UnloadedError extends SmolLMError {}
