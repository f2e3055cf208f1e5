// The static host every browser benchmark page is served from: the bench page (and
// bench/grammar's measurement module), our package,
// both wllama builds (the JSPI/memory64 one and the compat one WebKit needs) and the model
// folder, with the COOP/COEP headers of tests/support/static-server.mjs, so both wasm
// engines can use SharedArrayBuffer and run multi-threaded.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from '../../tests/support/static-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Serves the benchmark page, the engines and `modelsDir` under /models/. */
export function startBenchServer(modelsDir) {
  return startStaticServer({
    '/bench/': path.join(ROOT, 'bench/e2e/page'),
    '/grammar/': path.join(ROOT, 'bench/grammar'),
    '/js/': path.join(ROOT, 'js'),
    '/wllama/': path.join(ROOT, 'node_modules/@wllama/wllama/esm'),
    '/wllama-compat/': path.join(ROOT, 'node_modules/@wllama/wllama-compat/wasm'),
    '/node_modules/@huggingface/jinja/': path.join(ROOT, 'node_modules/@huggingface/jinja'),
    '/models/': modelsDir,
  });
}
