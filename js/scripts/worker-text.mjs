// Writes an Emscripten pthread worker script (smollm-mt.worker.js) as an ES module whose
// default export is the script's text (smollm-mt.worker-text.js), run by the wasm build
// after each multi-thread link (cmake/wasm.cmake).
//
// Why: in browsers the pool workers start from a Blob URL of this text behind a prelude
// (js/src/pthread-start.js). Fetched from the server, the text is what the server makes of
// the file: Vite's dev server serves it rewritten into an ES module, which cannot run as a
// classic worker, and the engine worker then had to create its pool workers itself (which
// Firefox under automation sometimes never finishes; pool-workers-page.js). As a module the
// text reaches the page the way the rest of the package does, bundled or not.
//
// Usage: node worker-text.mjs <in: .worker.js> <out: .worker-text.js>
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node worker-text.mjs <in .worker.js> <out .worker-text.js>');
  process.exit(2);
}
const text = readFileSync(input, 'utf8');
writeFileSync(output, `// Generated from ${basename(input)} by js/scripts/worker-text.mjs: do not edit.\n` +
  `export default ${JSON.stringify(text)};\n`);
