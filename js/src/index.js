// smollm-wasm: SmolLM / SmolLM2 (any llama-architecture GGUF) on the CPU in WebAssembly.
// The published types (types/index.d.ts) are generated from this module's JSDoc by
// `npm run build:types` (tsconfig.build.json).
export { SmolLM, DEFAULT_SAMPLING } from './smollm.js';
export { cache } from './cache/index.js';
export {
  SmolLMError, HttpError, NetworkError, InvalidModelError, UnsupportedModelError,
  ModelTooLargeError, QuotaError, InvalidArgumentError, ContextLengthError, TemplateLimitError,
  EngineError, EngineCrashedError, ThreadStartError, UnloadedError,
} from './errors.js';
// Type-only: the public data types (ModelInfo, LoadOptions, ChatCompletion, ...).
export * from './types.js';
