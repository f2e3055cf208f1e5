// Typed errors. Every failure the package reports is one of these (or a DOMException named
// AbortError), with a message that says what went wrong and what to do about it. They cross
// the worker boundary as plain objects (serializeError / deserializeError).

export class SmolLMError extends Error {
  /**
   * @param {string} [message]
   * @param {ErrorOptions} [options]
   */
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
  get code() {
    return this.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  }
}

export class HttpError extends SmolLMError {
  /**
   * @param {number} status
   * @param {string} url
   * @param {string} [detail]
   */
  constructor(status, url, detail = '') {
    super(`HTTP ${status} for ${url}${detail ? `: ${detail}` : ''}` +
      (status === 404 ? ' (check the URL: the file does not exist on the server)' : ''));
    this.status = status;
    this.url = url;
  }
}

export class NetworkError extends SmolLMError {
  /**
   * @param {string} url
   * @param {string} detail
   */
  constructor(url, detail) {
    super(`could not download ${url}: ${detail}. If the server is up, check that it allows ` +
      'cross-origin requests (CORS: Access-Control-Allow-Origin) and, on a page with ' +
      'COOP/COEP, serves Cross-Origin-Resource-Policy or CORS headers');
    this.url = url;
  }
}

export class InvalidModelError extends SmolLMError {}
export class UnsupportedModelError extends SmolLMError {}

export class ModelTooLargeError extends SmolLMError {
  /**
   * @param {number} requiredBytes what the model needs (0 when an allocation failed mid-way)
   * @param {number} limitBytes what wasm memory allows
   * @param {string} detail what the bytes are for
   * @param {string} [message] the whole message, when the engine wrote it
   */
  constructor(requiredBytes, limitBytes, detail, message) {
    super(message ?? `the model needs ${formatBytes(requiredBytes)} of wasm memory (${detail}) but wasm32 ` +
      `allows ${formatBytes(limitBytes)}: pick a smaller quantization or model, or a smaller contextSize`);
    this.requiredBytes = requiredBytes;
    this.limitBytes = limitBytes;
  }
}

export class QuotaError extends SmolLMError {}

// A chat template (untrusted Jinja from the model file) went over one of its render limits
// (chat-template-limits.js): `limit` names it, `limitValue` is its value.
export class TemplateLimitError extends SmolLMError {
  /**
   * @param {string} limit
   * @param {number} limitValue
   * @param {string} message
   */
  constructor(limit, limitValue, message) {
    super(message);
    this.limit = limit;
    this.limitValue = limitValue;
  }
}
export class InvalidArgumentError extends SmolLMError {}

// The prompt alone fills the context (OpenAI's context_length_exceeded).
export class ContextLengthError extends InvalidArgumentError {
  /**
   * @param {number} promptTokens
   * @param {number} contextSize
   * @param {string} [message] the whole message, when the engine wrote it
   */
  constructor(promptTokens, contextSize, message) {
    super(message ?? `the prompt has ${promptTokens} tokens but the context holds ${contextSize}: ` +
      'shorten it or load the model with a larger contextSize');
    this.promptTokens = promptTokens;
    this.contextSize = contextSize;
  }
}
export class EngineError extends SmolLMError {}

// The wasm engine trapped (out-of-bounds access, unreachable, abort): its memory can no
// longer be trusted, so every later call fails with this too. Load the model again.
// `wasmModule` names the build that trapped (smollm-st, smollm-mt-relaxed...) and
// `wasmFunctions` the innermost wasm functions of the trap by index, innermost first (empty
// where the engine gave no stack): the build's symbol map names them (tools/wasm-frames.mjs).
export class EngineCrashedError extends EngineError {
  /**
   * @param {string} detail
   * @param {{wasmModule?: string, wasmFunctions?: number[]}} [where]
   */
  constructor(detail, { wasmModule = '', wasmFunctions = [] } = {}) {
    super(`the engine crashed (${detail}) and cannot be used again: load the model again`);
    this.wasmModule = wasmModule;
    this.wasmFunctions = wasmFunctions;
  }
}
// The multi-thread build could not start its pthread workers (a worker script that failed to
// load, a policy that forbids the workers): the load fails with this instead of waiting forever.
export class ThreadStartError extends EngineError {}
export class UnloadedError extends SmolLMError {
  constructor(message = 'the model was unloaded: call SmolLM.load() again to use a model') {
    super(message);
  }
}

/** @param {number} n */
export function formatBytes(n) {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * @param {unknown} reason an AbortSignal's reason
 * @returns {Error}
 */
export function abortError(reason) {
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'the operation was aborted', 'AbortError');
}

/** @type {Record<string, {prototype: SmolLMError, name: string}>} */
const classes = {
  SmolLMError, HttpError, NetworkError, InvalidModelError, UnsupportedModelError,
  ModelTooLargeError, QuotaError, TemplateLimitError, InvalidArgumentError, ContextLengthError, EngineError, EngineCrashedError,
  ThreadStartError, UnloadedError,
};
// A minifying bundler (Vite's default production build of an app that imports the package)
// renames classes, which would leave every error's name '' or 'e'. Property keys survive
// minification, so each class takes its name from this table.
for (const [name, Class] of Object.entries(classes)) Object.defineProperty(Class, 'name', { value: name });

/**
 * An error as it crosses postMessage: the class's name, the message and the extra fields.
 * @typedef {{name: string, message: string, fields: Record<string, unknown>}} SerializedError
 */

const ERROR_FIELDS = /** @type {const} */ (['status', 'url', 'requiredBytes', 'limitBytes', 'limit', 'limitValue', 'promptTokens',
  'contextSize', 'wasmModule', 'wasmFunctions']);

/**
 * Plain-object form that survives postMessage; keeps the class and its extra fields.
 * @param {unknown} error
 * @returns {SerializedError}
 */
export function serializeError(error) {
  if (error instanceof Error) {
    /** @type {Record<string, unknown>} */
    const fields = {};
    for (const key of ERROR_FIELDS) {
      if (key in error) fields[key] = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (error))[key];
    }
    return { name: error.name, message: error.message, fields };
  }
  return { name: 'EngineError', message: String(error), fields: {} };
}

/**
 * @param {SerializedError} data
 * @returns {Error}
 */
export function deserializeError(data) {
  if (data.name === 'AbortError') return new DOMException(data.message, 'AbortError');
  const Class = classes[data.name] ?? EngineError;
  const error = Object.create(Class.prototype);
  Object.defineProperty(error, 'message', { value: data.message, writable: true, configurable: true });
  Object.defineProperty(error, 'name', { value: Class.name, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', {
    value: `${Class.name}: ${data.message}\n    at (smollm-wasm engine)`, writable: true, configurable: true,
  });
  Object.assign(error, data.fields);
  return error;
}

/**
 * A failure as the engine reports it (web/bindings.cpp): thrown as an Error carrying these
 * fields, or returned in a probe result (planError). `kind` is the C++ ErrorKind's name.
 * @typedef {import('./wasm-module-types.js').EngineFailure} EngineFailure
 */

const WASM32_BYTES = 2 ** 32;

/**
 * The one table from the engine's ErrorKind to the package's error classes. The message is
 * the engine's and only ever shown: the class depends on the kind alone.
 * @type {Record<import('./wasm-module-types.js').ErrorKindName, (f: EngineFailure) => SmolLMError>}
 */
const ENGINE_ERROR_CLASSES = {
  Internal: (f) => new EngineError(f.message),
  InvalidArgument: (f) => new InvalidArgumentError(f.message),
  InvalidModel: (f) => new InvalidModelError(f.message),
  UnsupportedModel: (f) => new UnsupportedModelError(f.message),
  ContextLength: (f) => new ContextLengthError(f.needed, f.limit, f.message),
  // Running out of memory mid-way is reported with the same class as a refusal up front.
  OutOfMemory: (f) => new ModelTooLargeError(f.needed, f.limit || WASM32_BYTES, 'allocation failed', f.message),
};

/** The kinds the table maps (tests check it covers every kind the engine binds). */
export const ENGINE_ERROR_KINDS = Object.keys(ENGINE_ERROR_CLASSES);

/**
 * The package's error for a failure of the engine: a thrown engine Error, or a probe result's
 * failure object. Errors that are already the package's pass through; anything without a
 * kind (an Embind argument conversion, say) is an EngineError.
 * @param {unknown} error
 * @param {string} [source] a file name the message is about, put in front of it
 * @returns {Error}
 */
export function fromEngineError(error, source) {
  if (error instanceof SmolLMError || (error instanceof Error && error.name === 'AbortError')) return error;
  const failure = /** @type {Partial<EngineFailure> | null | undefined} */ (typeof error === 'object' ? error : undefined);
  const message = `${source ? `${source}: ` : ''}${failure?.message ?? String(error)}`;
  const kind = failure?.kind;
  const make = kind !== undefined && Object.hasOwn(ENGINE_ERROR_CLASSES, kind) ? ENGINE_ERROR_CLASSES[kind] : undefined;
  if (!make) return new EngineError(message);
  return make({ kind: /** @type {import('./wasm-module-types.js').ErrorKindName} */ (kind), message,
    needed: failure?.needed ?? 0, limit: failure?.limit ?? 0 });
}
