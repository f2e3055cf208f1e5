// Request bodies: bounded, declared (Content-Length) or chunked alike. An over-limit body is
// answered 413 as soon as the limit is crossed, without reading the rest into memory; the
// connection is closed after the answer (what is left of the body is discarded until then,
// so the client reads the 413 instead of a reset). How long a body may take is the server's
// requestTimeout (server.js).
import { HttpFailure } from './http-errors.js';

/** @import { IncomingMessage } from 'node:http' */

/** @param {number} limit @param {number} [size] */
export function tooLarge(limit, size) {
  return new HttpFailure(413, `the request body${size ? ` of ${size} bytes` : ''} exceeds the limit of ${limit} bytes`,
    { code: 'request_too_large', headers: { connection: 'close' } });
}

/**
 * @param {IncomingMessage} req
 * @param {number} limit bytes
 * @returns {Promise<unknown>} the parsed body, not yet validated
 */
export function readJsonBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(tooLarge(limit, declared));
      return;
    }
    /** @type {Buffer[]} */
    const parts = [];
    let size = 0;
    const onData = (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        parts.length = 0;
        reject(tooLarge(limit));
        return;
      }
      parts.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (size > limit) return;
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch (error) {
        reject(new HttpFailure(400, `the body is not valid JSON: ${error instanceof Error ? error.message : error}`, { code: 'invalid_json' }));
      }
    });
    req.on('error', reject);
  });
}
