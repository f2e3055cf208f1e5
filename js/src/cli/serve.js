// `smollm-wasm serve -m FILE`: an OpenAI-compatible HTTP endpoint. The pieces live in
// serve/: options (flags), guard (Host, Origin/CORS, Content-Type, API key), body (bounded
// reading), validate (fields -> 400 with `param`), routes, sse, engine-supervisor (restart
// after a crash, /health) and server (limits, queue, per-connection prompt cache).
// The engine runs in a worker thread: the HTTP side stays responsive while it computes, and a
// crashed engine is replaced by loading the model again.
import { OPENAI_FIELDS } from '../options/openai.js';
import { numberFlag, stringFlag } from './flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';
import { EngineSupervisor } from './serve/engine-supervisor.js';
import { SERVE_FLAGS, serverOptions } from './serve/options.js';
import { createOpenAiServer } from './serve/server.js';

/** @param {import('./flags.js').FlagValues} values */
export async function serve(values) {
  const host = stringFlag(values, 'host') ?? '127.0.0.1';
  const port = numberFlag(values, 'port', { integer: true, min: 0 }) ?? 8080;
  const options = serverOptions(values);
  const modelId = String(stringFlag(values, 'model') ?? '').split('/').pop()?.replace(/\.gguf$/, '') ?? '';
  const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
  let first = true;
  const supervisor = new EngineSupervisor(async () => {
    const llm = await loadModel(values, { worker: true, quiet: !first });
    first = false;
    return llm;
  }, { log });
  const llm = await supervisor.start();
  const server = createOpenAiServer(supervisor, { ...options, modelId });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log(`serving ${modelId} on http://${shown}:${address.port}/v1 (${llm.info.build}, ${llm.info.threads} thread(s))` +
    `${options.apiKey ? ', API key required' : ''}`);
  const stop = async () => {
    server.close();
    await supervisor.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { keepRunning: true };
}

/** @type {import('./flags.js').Command} */
export const SERVE = {
  synopsis: 'serve -m FILE [options]',
  summary: 'An OpenAI-compatible endpoint: GET /v1/models, POST /v1/chat/completions and /v1/completions\n' +
    '(stream: true answers with server-sent events), GET /health. Generation fields of a request (as the\n' +
    `flags of generate --help): ${OPENAI_FIELDS.map((f) => f.name).join(', ')}.`,
  flagGroups: [['Server', SERVE_FLAGS], ['Model', MODEL_FLAGS]],
  run: serve,
};
