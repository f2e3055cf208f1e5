// The Embind module as web/bindings.cpp builds it: what createModule resolves to. Written by
// hand next to the glue it describes (Emscripten 3.1.6 cannot emit it); the JS that calls the
// module is type-checked against it (`npx tsc -p js/tsconfig.json`), and
// tests/js/seam/module-shape.test.mjs checks that every name declared here is bound and every
// bound name declared.

/** The C++ ErrorKind's names (src/engine_error.h). */
export type ErrorKindName =
  | 'Internal' | 'InvalidArgument' | 'InvalidModel' | 'UnsupportedModel' | 'ContextLength' | 'OutOfMemory';

/**
 * A failure of the engine: thrown as an Error (name "EngineError") with these fields, or
 * returned as a probe result's error/planError. needed/limit: tokens and the context size
 * (ContextLength), bytes and the limit (OutOfMemory); 0 where not known.
 */
export interface EngineFailure {
  kind: ErrorKindName;
  message: string;
  needed: number;
  limit: number;
}

/** A metadata value: numbers (64-bit integers as doubles), strings, booleans, arrays, or a
 *  long array summarised as {array: element type, length}. */
export type GgufMetadataValue =
  | number | string | boolean | GgufMetadataValue[] | { array: string; length: number };

export interface GgufSpecialToken {
  id: number;
  text: string | null;
  /** tokenizer.ggml.token_type (3 control, 4 user-defined, ...), -1 when unknown. */
  type: number;
}

export interface GgufTensor {
  name: string;
  type: string;
  ne: number[];
  offset: number;
  bytes: number;
}

export interface GgufHeader {
  version: number;
  alignment: number;
  data_offset: number;
  data_size: number;
  file_size: number;
  tensor_count: number;
  metadata: Record<string, GgufMetadataValue>;
  vocab_size: number;
  special_tokens: GgufSpecialToken[];
  /** Only when probeHeader was asked for the tensors. */
  tensors?: GgufTensor[];
}

/** plan_memory (src/engine.h): the one memory plan. */
export interface MemoryPlan {
  fileBytes: number;
  kvCacheBytes: number;
  scratchBytes: number;
  totalBytes: number;
  /** The context this plan is for: the caller's, or the default chosen to fit. */
  contextSize: number;
  contextReason: string;
}

export type ProbeResult =
  | { status: 'need_more'; bytesNeeded: number }
  | { status: 'error'; error: EngineFailure }
  | { status: 'complete'; header: GgufHeader; plan: MemoryPlan; planError?: undefined }
  | { status: 'complete'; header: GgufHeader; plan?: undefined; planError: EngineFailure };

/**
 * Engine.info(): the loaded model's static facts, the part of the public EngineModelInfo
 * (js/src/types.js, where each field is documented) that the engine itself knows.
 */
export type EngineInfo = Pick<import('./types.js').EngineModelInfo,
  | 'architecture' | 'contextSize' | 'trainedContextSize' | 'threads' | 'threadsAtOnce' | 'memoryBytes' | 'nVocab' | 'bosId' | 'eosId'
  | 'addBos' | 'bosToken' | 'eosToken' | 'tokenizerModel' | 'preTokenizer' | 'chatTemplate' | 'tensorTypes' | 'metadata'
  | 'kvCacheKeyType' | 'kvCacheValueType'>;

/** A token's log-probability at a step: its id, raw bytes (maybe part of a UTF-8 character). */
export interface WasmTokenLogprob {
  token: number;
  logprob: number;
  bytes: number[];
}

export type StepResult =
  | { kind: 'prefill'; prefillDone: number; prefillTotal: number }
  /** logprob / topLogprobs: when the generation's options asked for logprobs. */
  | { kind: 'token'; text: string; token: number; logprob?: WasmTokenLogprob; topLogprobs?: WasmTokenLogprob[] }
  | { kind: 'done'; text: string; finishReason: 'stop' | 'length' };

/** A buffer of wasm memory holding one whole GGUF file. */
export interface FilePart {
  ptr: number;
  size: number;
}

/** Engine.beginGeneration's options: the GenerationOptions value object of
 * web/generation_options.cpp, derived from the field table (js/src/options). */
export type EngineGenerationOptions = import('./options/engine-params.js').EngineGenerationParams;

/** Every Embind object holds C++ memory until delete(). */
interface EmbindObject {
  delete(): void;
}

export interface WasmEngine extends EmbindObject {
  info(): EngineInfo;
  /** A copy of the ids. */
  tokenize(text: string, parseSpecial: boolean, addBos: boolean): Int32Array;
  detokenize(ids: number[], renderSpecial: boolean): string;
  eval(tokens: number[], nPast: number, allLogits: boolean): void;
  /** A view into wasm memory, valid until the next eval or memory growth. */
  logits(position: number): Float32Array;
  negLogLikelihood(position: number, target: number): number;
  beginGeneration(prompt: number[], options: EngineGenerationOptions): void;
  step(): StepResult;
  reusedTokens(): number;
  cachedTokenCount(): number;
  truncateCache(tokens: number): void;
  /** Removes cached tokens [nKeep, nKeep + nDiscard), the rest moved down and re-rotated. */
  shiftCache(nKeep: number, nDiscard: number): void;
  /** Removes the cached span the prompt left out (dropped chat turns); the tokens removed. */
  shiftCacheToMatch(prompt: number[]): number;
  /** Context shifts of the current generation, and the cached tokens they discarded. */
  contextShifts(): number;
  shiftedOutTokens(): number;
  nVocab(): number;
  nCtx(): number;
}

export interface WasmSha256 extends EmbindObject {
  update(ptr: number, size: number): void;
  finishHex(): string;
  reset(): void;
}

/** An Embind enum value. */
export interface EmbindEnumValue {
  value: number;
}

export interface SmolLMModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  /** The multi-thread build's pthread pool. */
  PThread?: PThreadPool;

  /** keyType / valueType: KV cache types ('f16', 'q8_0', 'q4_0'); memoryLimit: bytes the plan
   * may take when it chooses the default context (contextSize 0), 0 for wasm32's 4 GiB. */
  probeHeader(ptr: number, available: number, fileSize: number, contextSize: number, keyType: string,
    valueType: string, memoryLimit: number, withTensors: boolean): ProbeResult;
  buildInfo(): { threads: boolean; simd: 'relaxed' | 'simd128' };
  reserveMemory(bytes: number): boolean;
  Sha256: new () => WasmSha256;
  Engine: {
    /** Throws an engine Error (EngineFailure fields); on error the caller still owns the parts. */
    load(parts: FilePart[], threads: number, contextSize: number, keyType: string, valueType: string, batchOrder: string): WasmEngine;
  };
  ErrorKind: Record<ErrorKindName, EmbindEnumValue> & { values: Record<number, EmbindEnumValue> };
}

/** The multi-thread runtime's pool (Module.PThread), as js/src/pthread-start.js uses it. */
export type PThreadPool = import('./pthread-start.js').PoolThreads;

/**
 * What js/src/wasm-module.js passes the Emscripten factory (Module's settings). The factory
 * fills in the rest of the module on this same object (PThread first, before it resolves).
 */
export interface ModuleOptions {
  /** Engine threads besides the caller: the multi-thread build creates its pool up front. */
  pthreadPoolSize?: number;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
  wasmBinary?: Uint8Array;
  locateFile?: (path: string) => string;
  mainScriptUrlOrBlob?: string | Blob;
  PThread?: PThreadPool;
}

/** The default export of js/wasm/smollm-{mt,st}[-relaxed].js (-sMODULARIZE -sEXPORT_ES6). */
export type SmolLMModuleFactory = (options?: ModuleOptions) => Promise<SmolLMModule>;
