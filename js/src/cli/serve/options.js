// `smollm-wasm serve` flags, their checks and the usage text.
import { number, UsageError } from '../model-options.js';
import { SERVER_DEFAULTS } from './server.js';

export const SERVE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  host: { type: 'string' },
  port: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  'host-alias': { type: 'string', multiple: true },
  'api-key': { type: 'string' },
  'max-body': { type: 'string' },
  'max-queue': { type: 'string' },
  'max-connections': { type: 'string' },
  'header-timeout': { type: 'string' },
  'body-timeout': { type: 'string' },
};

export const SERVE_USAGE = `usage: smollm-wasm serve -m FILE [options]

An OpenAI-compatible endpoint: GET /v1/models, POST /v1/chat/completions and /v1/completions
(stream: true answers with server-sent events), GET /health.

  -m, --model FILE          the .gguf model (path or URL)
  --host ADDRESS            address to bind (default 127.0.0.1, loopback only)
  --port N                  port (default 8080; 0 picks a free one)
  --allow-origin ORIGIN     let web pages of ORIGIN (e.g. http://localhost:5173) call the
                            endpoint, with CORS; repeatable; '*' allows every page. Default:
                            none (same-origin and non-browser clients only)
  --host-alias NAME         accept Host: NAME besides the bound address (a DNS-rebinding
                            defence refuses other names); repeatable
  --api-key KEY             require Authorization: Bearer KEY (or set SMOLLM_API_KEY)
  --max-body BYTES          largest request body (default ${SERVER_DEFAULTS.maxBody}); 413 above
  --max-queue N             requests that may wait for the model (default ${SERVER_DEFAULTS.maxQueue}); 429 above
  --max-connections N       open connections (default ${SERVER_DEFAULTS.maxConnections})
  --header-timeout MS       time to send the request headers (default ${SERVER_DEFAULTS.headerTimeoutMs})
  --body-timeout MS         time to send the whole request (default ${SERVER_DEFAULTS.bodyTimeoutMs})
  -t, --threads N, -c, --ctx N, --no-cache, --single-thread   as for every command
  -h, --help                this text
`;

export function serverOptions(values, env = process.env) {
  const apiKey = values['api-key'] ?? env.SMOLLM_API_KEY ?? null;
  if (apiKey !== null && apiKey.length < 8) throw new UsageError('--api-key (or SMOLLM_API_KEY) must be at least 8 characters');
  for (const origin of values['allow-origin'] ?? []) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new UsageError(`--allow-origin expects an origin such as http://localhost:5173 (no path), got "${origin}"`);
    }
  }
  return {
    allowOrigins: values['allow-origin'] ?? [],
    hostAliases: values['host-alias'] ?? [],
    apiKey,
    maxBody: number(values, 'max-body', { integer: true, min: 1024 }),
    maxQueue: number(values, 'max-queue', { integer: true, min: 1 }),
    maxConnections: number(values, 'max-connections', { integer: true, min: 1 }),
    headerTimeoutMs: number(values, 'header-timeout', { integer: true, min: 100 }),
    bodyTimeoutMs: number(values, 'body-timeout', { integer: true, min: 100 }),
  };
}
