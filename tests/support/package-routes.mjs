// The package as a page without a bundler gets it: its sources, its wasm modules and its one
// dependency, served from the repository at the paths the import map below names. Routes for
// tests/support/static-server.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** @type {Record<string, string>} */
export const PACKAGE_ROUTES = {
  '/js/src/': path.join(REPO_ROOT, 'js/src'),
  '/js/wasm/': path.join(REPO_ROOT, 'js/wasm'),
  '/node_modules/@huggingface/jinja/': path.join(REPO_ROOT, 'node_modules/@huggingface/jinja'),
};

/** For a page's <head>: maps the package's bare import of its dependency onto PACKAGE_ROUTES. */
export const IMPORT_MAP = '<script type="importmap">{"imports":{"@huggingface/jinja":"/node_modules/@huggingface/jinja/dist/index.js"}}</script>';
