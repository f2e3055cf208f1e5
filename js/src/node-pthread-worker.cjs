// Node entry of the multi-thread build's pthread workers. Emscripten's worker script is
// CommonJS (require, __filename), but this package is "type": "module", so Node would load
// it as an ES module and fail; this shim runs its text as a CommonJS function body instead.
// It serves the relaxed-SIMD build too: the two worker scripts differ only in the main script
// they import when none is given, and wasm-module.js always gives one (mainScriptUrlOrBlob).
const path = require('node:path');
const fs = require('node:fs');

const file = path.join(__dirname, '..', 'wasm', 'smollm-mt.worker.js');
// eslint-disable-next-line no-new-func
new Function('require', '__filename', '__dirname', fs.readFileSync(file, 'utf8'))(require, file, path.dirname(file));
