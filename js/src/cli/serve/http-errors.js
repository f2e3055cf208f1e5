// OpenAI-shaped errors and JSON answers: {error: {message, type, param, code}}.
import { ContextLengthError, EngineCrashedError, InvalidArgumentError, TemplateLimitError, UnloadedError } from '../../errors.js';

export class HttpFailure extends Error {
  constructor(status, message, { type, param = null, code = null, headers = {} } = {}) {
    super(message);
    this.status = status;
    this.type = type ?? (status < 500 ? 'invalid_request_error' : 'server_error');
    this.param = param;
    this.code = code;
    this.headers = headers;
  }
}

// The package's errors as HTTP failures. `promptParam` names the field the prompt came from.
export function toHttpFailure(error, promptParam) {
  if (error instanceof HttpFailure) return error;
  if (error instanceof ContextLengthError) {
    return new HttpFailure(400, error.message, { param: promptParam, code: 'context_length_exceeded' });
  }
  if (error instanceof InvalidArgumentError) return new HttpFailure(400, error.message);
  if (error instanceof TemplateLimitError) return new HttpFailure(500, error.message, { code: 'chat_template_limit' });
  if (error instanceof EngineCrashedError || error instanceof UnloadedError) {
    return new HttpFailure(503, `${error.message} (the server is restarting the engine)`, { code: 'engine_restarting', headers: { 'retry-after': '5' } });
  }
  return new HttpFailure(500, error?.message ?? String(error));
}

export function errorBody(failure) {
  return { error: { message: failure.message, type: failure.type, param: failure.param, code: failure.code } };
}

export function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendFailure(res, failure) {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, failure.status, errorBody(failure), failure.headers);
}
