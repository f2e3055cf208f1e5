// Shared pieces of the demo's browser tests: paths, skip reasons, the server, artifacts.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../demo/serve.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const TINY_PY = path.resolve(REPO_ROOT, '..', 'shared', 'golden', 'models', 'tiny-py-Q4_K_M.gguf');
export const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts', 'demo');
// The tiny-py radio button's id, as the model picker derives it from "local:<file name>".
export const TINY_PY_RADIO = '#model-local_tiny-py-Q4_K_M_gguf';

// DEMO_BUILD=single-thread (or multi-thread) makes the chat test force that build through
// the page's ?build= parameter; by default the package chooses (multi-thread when isolated).
export const FORCED_BUILD = ['single-thread', 'multi-thread'].includes(process.env.DEMO_BUILD) ? process.env.DEMO_BUILD : null;

export function missingPackage() {
  const wasmDir = path.join(REPO_ROOT, 'js', 'wasm');
  if (!fs.existsSync(path.join(REPO_ROOT, 'js', 'src', 'index.js'))) return 'js/src/index.js is missing (the smollm-wasm package is not there)';
  const needed = FORCED_BUILD === 'single-thread' ? ['smollm-st'] : FORCED_BUILD ? ['smollm-mt'] : ['smollm-mt', 'smollm-st'];
  for (const build of needed) {
    if (!fs.existsSync(path.join(wasmDir, `${build}.wasm`))) {
      return `js/wasm/${build}.wasm is missing: build the wasm modules first (see README.md)`;
    }
  }
  return null;
}

export function missingShared() {
  return fs.existsSync(TINY_PY) ? null : `${TINY_PY} is missing (../shared reference data not available)`;
}

export async function serve(options = {}) {
  return startServer({ port: 0, modelsDir: path.join(REPO_ROOT, 'tests', 'artifacts', 'no-models'), ...options });
}

export function artifact(engine, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, `${engine}-${name}.png`);
}

// Fails with the browser's console output attached, which is what explains most failures.
export async function step(browser, what, fn) {
  try {
    return await fn();
  } catch (error) {
    const log = browser.log.length ? `\n--- ${browser.engine} console ---\n${browser.log.slice(-30).join('\n')}` : '';
    error.message = `${browser.engine}: ${what}: ${error.message}${log}`;
    throw error;
  }
}

// The service worker is active, controls the page, and has the app shell and the package's
// entry point in its cache (the install step finished), so the server can go away.
export function waitForOfflineReady(browser, timeout = 30000) {
  return browser.waitFor(async () => {
    const controller = navigator.serviceWorker.controller;
    if (!controller || controller.state !== 'activated') return false;
    const names = await caches.keys();
    const shell = names.find((n) => n.startsWith('smollm-demo-shell-'));
    if (!shell) return false;
    const keys = (await (await caches.open(shell)).keys()).map((r) => new URL(r.url).pathname);
    return keys.includes('/index.html') && keys.includes('/js/src/index.js');
  }, null, timeout);
}
