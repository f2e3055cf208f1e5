// What the browser cache suites share: a 127.0.0.1 FaultServer that also serves a blank page
// (with the import map the package needs) and the package itself from the same origin, and
// the engines to run in (the shared ENGINES list), each with the reason it is skipped.
import fs from 'node:fs';
import path from 'node:path';

import { ENGINES, missingBrowser } from '../browsers.mjs';
import { FaultServer } from '../../js/network/fault-server.mjs';
import { ROOT } from '../../js/network/fixture.mjs';

const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const STATIC = ['/js/src/', '/js/wasm/', '/node_modules/@huggingface/jinja/', '/tests/browser/cache/stored-entry.js'];
const PAGE = `<!doctype html><meta charset="utf-8"><title>smollm-wasm cache tests</title>
<script type="importmap">{"imports":{"@huggingface/jinja":"/node_modules/@huggingface/jinja/dist/index.js"}}</script>`;

function staticFile(urlPath) {
  if (urlPath === '/') return { body: Buffer.from(PAGE), type: 'text/html' };
  const file = path.normalize(path.join(ROOT, decodeURIComponent(urlPath)));
  if (!STATIC.some((p) => urlPath.startsWith(p)) || !file.startsWith(ROOT) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return null;
  return { body: fs.readFileSync(file), type: MIME[path.extname(file)] ?? 'application/octet-stream' };
}

/** A started FaultServer whose origin serves the page at / and the package. */
export function startPackageServer() {
  return new FaultServer({ fallback: staticFile }).start();
}

/** [{engine, skip}] for every engine of ENGINES; skip is the reason (logged) or false. */
export function enginesToRun() {
  return ENGINES.map((engine) => {
    const skip = missingBrowser(engine);
    if (skip) console.log(`SKIPPED (${engine.name}): ${skip}`);
    return { engine, skip: skip ?? false };
  });
}
