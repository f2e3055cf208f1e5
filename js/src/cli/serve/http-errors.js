// OpenAI-shaped errors and JSON answers: {error: {message, type, param, code}}.
import { ContextLengthError, EngineCrashedError, InvalidArgumentError, TemplateLimitError, UnloadedError } from '../../errors.js';

/** @import { ServerResponse, OutgoingHttpHeaders } from 'node:http' */

/**
 * @typedef {object} HttpFailureDetails
 * @property {string} [type] OpenAI's error type (default: by status)
 * @property {string | null} [param] the request field at fault
 * @property {string | null} [code]
 * @property {OutgoingHttpHeaders} [headers] sent with the answer
 */

export class HttpFailure extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {HttpFailureDetails} [details]
   */
  constructor(status, message, { type, param = null, code = null, headers = {} } = {}) {
    super(message);
    this.status = status;
    this.type = type ?? (status < 500 ? 'invalid_request_error' : 'server_error');
    this.param = param;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * The package's errors as HTTP failures. `promptParam` names the field the prompt came from.
 * @param {unknown} error
 * @param {string} promptParam
 * @returns {HttpFailure}
 */
export function toHttpFailure(error, promptParam) {
  if (error instanceof HttpFailure) return error;
  if (error instanceof ContextLengthError) {
    return new HttpFailure(400, error.message, { param: promptParam, code: 'context_length_exceeded' });
  }
  if (error instanceof InvalidArgumentError) {
    // The tool fields' and tool messages' errors start with the request field at fault.
    const param = /^(?:tools|tool_choice|parallel_tool_calls|messages)(?:\[\d+\]|\.\w+)*(?= )/.exec(error.message)?.[0] ?? null;
    return new HttpFailure(400, error.message, { param });
  }
  if (error instanceof TemplateLimitError) return new HttpFailure(500, error.message, { code: 'chat_template_limit' });
  if (error instanceof EngineCrashedError || error instanceof UnloadedError) {
    return new HttpFailure(503, `${error.message} (the server is restarting the engine)`, { code: 'engine_restarting', headers: { 'retry-after': '5' } });
  }
  return new HttpFailure(500, error instanceof Error ? error.message : String(error));
}

/** @param {HttpFailure} failure */
export function errorBody(failure) {
  return { error: { message: failure.message, type: failure.type, param: failure.param, code: failure.code } };
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {OutgoingHttpHeaders} [headers]
 */
export function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** @param {ServerResponse} res @param {HttpFailure} failure */
export function sendFailure(res, failure) {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, failure.status, errorBody(failure), failure.headers);
}
