// Who may talk to the endpoint. A server on 127.0.0.1 is still reachable from every web page
// the user opens: a page may POST a CORS "simple request" (text/plain) to it, and with DNS
// rebinding (its own name resolving to 127.0.0.1) read the answers too. So:
// - Host must name this server: the bound address, `localhost` when bound to loopback, any
//   IP literal when bound to every interface (an IP cannot be rebound), or a --host-alias;
//   and the bound port. Anything else is a rebinding attempt: 403.
// - Origin, when a browser sends one, must be this server's own origin or an --allow-origin
//   (then answered with CORS headers, preflight included); clients that are not browsers send
//   none and pass.
// - POSTs must be application/json, which no simple request can be.
// - With an API key (--api-key or SMOLLM_API_KEY), every /v1 route needs
//   `Authorization: Bearer KEY` (compared in constant time).
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { HttpFailure } from './http-errors.js';

/** @import { IncomingMessage, OutgoingHttpHeaders } from 'node:http' */

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const WILDCARD = new Set(['0.0.0.0', '::']);

/**
 * @param {string | undefined} value a Host header
 * @returns {{name: string, port: number} | null}
 */
function splitHost(value) {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value ?? '');
  if (!m) return null;
  return { name: m[1].replace(/^\[|\]$/g, '').toLowerCase(), port: m[2] === undefined ? 80 : Number(m[2]) };
}

/**
 * @param {{allowOrigins?: string[], hostAliases?: string[], apiKey?: string | null,
 *   address: () => {address: string, port: number}}} options address: where the server listens
 */
export function createGuard({ allowOrigins = [], hostAliases = [], apiKey = null, address }) {
  const aliases = new Set(hostAliases.map((h) => h.toLowerCase()));
  const origins = new Set(allowOrigins);
  const anyOrigin = origins.has('*');
  const keyDigest = apiKey ? createHash('sha256').update(apiKey).digest() : null;

  /** @param {IncomingMessage} req */
  function checkHost(req) {
    const { address: bound, port } = address();
    const host = splitHost(req.headers.host);
    const named = host && (
      host.name === bound.toLowerCase() || aliases.has(host.name) ||
      (LOOPBACK.has(bound) && LOOPBACK.has(host.name)) ||
      (WILDCARD.has(bound) && isIP(host.name) !== 0));
    if (!named || host.port !== port) {
      throw new HttpFailure(403, `Host ${JSON.stringify(req.headers.host ?? '')} is not this server ` +
        '(a DNS-rebinding defence): use its address, or start it with --host-alias NAME', { code: 'host_not_allowed' });
    }
  }

  /**
   * CORS headers for an allowed cross-origin caller; {} for same-origin and non-browser ones.
   * @param {IncomingMessage} req
   * @returns {OutgoingHttpHeaders}
   */
  function checkOrigin(req) {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    if (origin === `http://${req.headers.host}`) return {};
    if (anyOrigin || origins.has(origin)) {
      return { 'access-control-allow-origin': anyOrigin ? '*' : origin, vary: 'Origin' };
    }
    throw new HttpFailure(403, `Origin ${JSON.stringify(origin)} is not allowed: start the server with ` +
      `--allow-origin ${origin} to let that page call it`, { code: 'origin_not_allowed' });
  }

  /**
   * @param {IncomingMessage} req
   * @param {OutgoingHttpHeaders} cors
   * @returns {OutgoingHttpHeaders}
   */
  function preflight(req, cors) {
    return {
      ...cors,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      // The origin is trusted by the user, so whatever headers its client sends may come.
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type',
      'access-control-max-age': '600',
    };
  }

  /** @param {IncomingMessage} req */
  function checkApiKey(req) {
    if (!keyDigest) return;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const given = m ? createHash('sha256').update(m[1]).digest() : null;
    if (!given || !timingSafeEqual(given, keyDigest)) {
      throw new HttpFailure(401, m ? 'Incorrect API key provided.' : 'You did not provide an API key: send Authorization: Bearer KEY',
        { code: 'invalid_api_key', headers: { 'www-authenticate': 'Bearer' } });
    }
  }

  /** @param {IncomingMessage} req */
  function checkJson(req) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      throw new HttpFailure(415, `Content-Type must be application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}`,
        { code: 'unsupported_media_type' });
    }
  }

  return { checkHost, checkOrigin, preflight, checkApiKey, checkJson };
}
