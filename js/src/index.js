// smollm-wasm: SmolLM / SmolLM2 (any llama-architecture GGUF) on the CPU in WebAssembly.
export { SmolLM, DEFAULT_SAMPLING } from './smollm.js';
export { cache } from './cache/index.js';
export {
  SmolLMError, HttpError, NetworkError, InvalidModelError, UnsupportedModelError,
  ModelTooLargeError, QuotaError, InvalidArgumentError, ContextLengthError, TemplateLimitError,
  EngineError, EngineCrashedError, ThreadStartError, UnloadedError,
} from './errors.js';
