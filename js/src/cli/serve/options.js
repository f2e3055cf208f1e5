// `smollm-wasm serve` flags (with their help lines) and their checks.
import { UsageError, numberFlag, stringFlag } from '../flags.js';
import { SERVER_DEFAULTS } from './server.js';

/** @typedef {import('../flags.js').FlagValues} FlagValues */

/** @type {import('../flags.js').Flags} */
export const SERVE_FLAGS = Object.freeze({
  host: { type: 'string', arg: 'ADDRESS', doc: 'address to bind (default 127.0.0.1, loopback only)' },
  port: { type: 'string', arg: 'N', doc: 'port (default 8080; 0 picks a free one)' },
  'allow-origin': {
    type: 'string', multiple: true, arg: 'ORIGIN',
    doc: 'let web pages of ORIGIN (e.g. http://localhost:5173) call the endpoint, with CORS; \'*\' allows ' +
      'every page. Default: none (same-origin and non-browser clients only)',
  },
  'host-alias': {
    type: 'string', multiple: true, arg: 'NAME',
    doc: 'accept Host: NAME besides the bound address (a DNS-rebinding defence refuses other names)',
  },
  'api-key': { type: 'string', arg: 'KEY', doc: 'require Authorization: Bearer KEY (or set SMOLLM_API_KEY)' },
  'max-body': { type: 'string', arg: 'BYTES', doc: `largest request body (default ${SERVER_DEFAULTS.maxBody}); 413 above` },
  'max-queue': { type: 'string', arg: 'N', doc: `requests that may wait for the model (default ${SERVER_DEFAULTS.maxQueue}); 429 above` },
  'max-connections': { type: 'string', arg: 'N', doc: `open connections (default ${SERVER_DEFAULTS.maxConnections})` },
  'header-timeout': { type: 'string', arg: 'MS', doc: `time to send the request headers (default ${SERVER_DEFAULTS.headerTimeoutMs})` },
  'body-timeout': { type: 'string', arg: 'MS', doc: `time to send the whole request (default ${SERVER_DEFAULTS.bodyTimeoutMs})` },
});

/**
 * @param {FlagValues} values
 * @param {Record<string, string | undefined>} [env]
 */
export function serverOptions(values, env = process.env) {
  const apiKey = stringFlag(values, 'api-key') ?? env.SMOLLM_API_KEY ?? null;
  if (apiKey !== null && apiKey.length < 8) throw new UsageError('--api-key (or SMOLLM_API_KEY) must be at least 8 characters');
  /** @param {string} key */
  const list = (key) => [values[key] ?? []].flat().map(String);
  for (const origin of list('allow-origin')) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new UsageError(`--allow-origin expects an origin such as http://localhost:5173 (no path), got "${origin}"`);
    }
  }
  return {
    allowOrigins: list('allow-origin'),
    hostAliases: list('host-alias'),
    apiKey,
    maxBody: numberFlag(values, 'max-body', { integer: true, min: 1024 }),
    maxQueue: numberFlag(values, 'max-queue', { integer: true, min: 1 }),
    maxConnections: numberFlag(values, 'max-connections', { integer: true, min: 1 }),
    headerTimeoutMs: numberFlag(values, 'header-timeout', { integer: true, min: 100 }),
    bodyTimeoutMs: numberFlag(values, 'body-timeout', { integer: true, min: 100 }),
  };
}
