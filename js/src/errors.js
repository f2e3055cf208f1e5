// Typed errors. Every failure the package reports is one of these (or a DOMException named
// AbortError), with a message that says what went wrong and what to do about it. They cross
// the worker boundary as plain objects (serializeError / deserializeError).

export class SmolLMError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
  get code() {
    return this.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  }
}

export class HttpError extends SmolLMError {
  constructor(status, url, detail = '') {
    super(`HTTP ${status} for ${url}${detail ? `: ${detail}` : ''}` +
      (status === 404 ? ' (check the URL: the file does not exist on the server)' : ''));
    this.status = status;
    this.url = url;
  }
}

export class NetworkError extends SmolLMError {
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
  constructor(requiredBytes, limitBytes, detail) {
    super(`the model needs ${formatBytes(requiredBytes)} of wasm memory (${detail}) but wasm32 ` +
      `allows ${formatBytes(limitBytes)}: pick a smaller quantization or model, or a smaller contextSize`);
    this.requiredBytes = requiredBytes;
    this.limitBytes = limitBytes;
  }
}

export class QuotaError extends SmolLMError {}

// A chat template (untrusted Jinja from the model file) went over one of its render limits
// (chat-template-limits.js): `limit` names it, `limitValue` is its value.
export class TemplateLimitError extends SmolLMError {
  constructor(limit, limitValue, message) {
    super(message);
    this.limit = limit;
    this.limitValue = limitValue;
  }
}
export class InvalidArgumentError extends SmolLMError {}

// The prompt alone fills the context (OpenAI's context_length_exceeded).
export class ContextLengthError extends InvalidArgumentError {
  constructor(promptTokens, contextSize) {
    super(`the prompt has ${promptTokens} tokens but the context holds ${contextSize}: ` +
      'shorten it or load the model with a larger contextSize');
    this.promptTokens = promptTokens;
    this.contextSize = contextSize;
  }
}
export class EngineError extends SmolLMError {}

// The wasm engine trapped (out-of-bounds access, unreachable, abort): its memory can no
// longer be trusted, so every later call fails with this too. Load the model again.
export class EngineCrashedError extends EngineError {
  constructor(detail) {
    super(`the engine crashed (${detail}) and cannot be used again: load the model again`);
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

export function formatBytes(n) {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

export function abortError(reason) {
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'the operation was aborted', 'AbortError');
}

const classes = {
  SmolLMError, HttpError, NetworkError, InvalidModelError, UnsupportedModelError,
  ModelTooLargeError, QuotaError, TemplateLimitError, InvalidArgumentError, ContextLengthError, EngineError, EngineCrashedError,
  ThreadStartError, UnloadedError,
};

// Plain-object form that survives postMessage; keeps the class and its extra fields.
export function serializeError(error) {
  if (error instanceof Error) {
    const fields = {};
    for (const key of ['status', 'url', 'requiredBytes', 'limitBytes', 'limit', 'limitValue', 'promptTokens', 'contextSize']) {
      if (key in error) fields[key] = error[key];
    }
    return { name: error.name, message: error.message, fields };
  }
  return { name: 'EngineError', message: String(error), fields: {} };
}

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

// Errors thrown by the C++ side arrive as JS Errors whose name is the glue's category.
export function fromEngineError(error, fallback = EngineError) {
  if (error instanceof SmolLMError || error?.name === 'AbortError') return error;
  const message = error?.message ?? String(error);
  if (error?.name === 'OutOfMemoryError') {
    // Running out of memory mid-way is reported with the same class as a refusal up front.
    const tooLarge = new ModelTooLargeError(0, 2 ** 32, 'allocation failed');
    tooLarge.message = message;
    return tooLarge;
  }
  if (error?.name === 'EngineLoadError') {
    return /unsupported|not supported|architecture/i.test(message)
      ? new UnsupportedModelError(message)
      : new InvalidModelError(message);
  }
  return new fallback(message);
}
