// Turns the package's typed errors into sentences for people, plus what the page can offer
// (a retry for failed downloads). Matching is by error name so it also works on errors
// that crossed the worker boundary.
import { formatBytes } from './format.js';

const MEMORY_WORDS = /out of memory|memory access out of bounds|could not allocate|allocation failed|array buffer allocation|cannot grow|WebAssembly\.Memory/i;

export function describeLoadError(error, source) {
  const name = error?.name ?? 'Error';
  const detail = error?.message ?? String(error);
  if (name === 'AbortError') {
    return { kind: 'info', title: 'Loading cancelled.', detail: '', retry: true };
  }
  if (name === 'ModelTooLargeError' || MEMORY_WORDS.test(detail) || error instanceof RangeError) {
    const needs = error?.requiredBytes > 0 ? ` It needs ${formatBytes(error.requiredBytes)};` : '';
    return {
      kind: 'error',
      title: 'Not enough memory for this model.',
      detail: `${needs} a browser tab can give WebAssembly at most 4 GB, and often less on phones ` +
        'or when other tabs are busy. Close other tabs, or pick a smaller model (IQ4_XS is the ' +
        `smallest). Details: ${detail}`,
      retry: true,
    };
  }
  if (name === 'HttpError') {
    const status = error.status;
    const why = status === 404 ? 'the file is not there (check the URL)'
      : status === 401 || status === 403 ? 'the server refused access (the repository may be private or gated)'
        : status === 429 ? 'the server is rate-limiting downloads; wait a minute'
          : status >= 500 ? 'the server had a problem; it may be temporary' : `it answered HTTP ${status}`;
    return {
      kind: 'error',
      title: `Download failed: ${why}.`,
      detail: `HTTP ${status} for ${error.url ?? sourceName(source)}.`,
      retry: true,
    };
  }
  if (name === 'NetworkError') {
    return {
      kind: 'error',
      title: 'Download failed: the connection dropped or the server could not be reached.',
      detail: 'Check your connection and press Retry: the download continues from where it ' +
        'stopped when the server supports it. A custom URL must also allow cross-origin ' +
        `requests (CORS). Details: ${detail}`,
      retry: true,
    };
  }
  if (name === 'InvalidModelError') {
    return { kind: 'error', title: 'This file is not a model this app can read.', detail, retry: false };
  }
  if (name === 'UnsupportedModelError') {
    return { kind: 'error', title: 'This model is not supported.', detail, retry: false };
  }
  if (name === 'QuotaError') {
    return {
      kind: 'warning',
      title: 'Not enough storage to keep this model for offline use.',
      detail: `Delete cached models you no longer need. Details: ${detail}`,
      retry: false,
    };
  }
  return { kind: 'error', title: 'The model could not be loaded.', detail, retry: true };
}

export function describeChatError(error, contextSize) {
  const name = error?.name ?? 'Error';
  const detail = error?.message ?? String(error);
  if (name === 'InvalidArgumentError' && /cannot make tool calls/.test(detail)) {
    return {
      kind: 'error',
      title: 'This model cannot call tools.',
      detail: "Tool calls use SmolLM2-Instruct's trained format, which needs a ChatML chat model: load a " +
        `SmolLM2 Instruct model, or switch the mode back to Chat. Details: ${detail}`,
    };
  }
  if (name === 'InvalidArgumentError' && /context/i.test(detail)) {
    return {
      kind: 'error',
      title: `This conversation no longer fits in the model's context (${contextSize} tokens).`,
      detail: `Start a new chat, or lower "Max tokens". Details: ${detail}`,
    };
  }
  if (name === 'UnloadedError') {
    return { kind: 'error', title: 'The engine stopped. Load the model again.', detail };
  }
  if (MEMORY_WORDS.test(detail) || error instanceof RangeError) {
    return { kind: 'error', title: 'The engine ran out of memory.', detail: `Reload the page and pick a smaller model. Details: ${detail}` };
  }
  return { kind: 'error', title: 'The answer could not be generated.', detail };
}

export function sourceName(source) {
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.name ?? 'local file';
  const text = String(source);
  try {
    return decodeURIComponent(new URL(text).pathname.split('/').pop() || text);
  } catch {
    return text;
  }
}
