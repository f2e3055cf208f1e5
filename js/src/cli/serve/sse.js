// Server-sent events for `stream: true`. A failure after the stream started cannot change the
// status any more, so it is sent as an error event (OpenAI's {"error": {...}} data line, which
// the official clients raise) followed by [DONE]: the client never mistakes it for an answer.
import { errorBody } from './http-errors.js';

/**
 * @import { ServerResponse, OutgoingHttpHeaders } from 'node:http'
 * @import { HttpFailure } from './http-errors.js'
 */

/**
 * @param {ServerResponse} res
 * @param {OutgoingHttpHeaders} [headers]
 * @returns {{send: (data: unknown) => void, fail: (failure: HttpFailure) => void, end: () => void}}
 */
export function startSse(res, headers = {}) {
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();   // the client sees the stream start before the first token
  const write = (/** @type {unknown} */ data) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  return {
    send: write,
    fail: (failure) => {
      write(errorBody(failure));
      write('[DONE]');
      res.end();
    },
    end: () => {
      write('[DONE]');
      res.end();
    },
  };
}
