#!/usr/bin/env node
// Builds the demo into a folder any static host can serve (default demo/dist/): Vite bundles
// the page, the app, the package (its worker, every wasm build and the template engine) and
// the Markdown and highlighting libraries with content-hashed names under assets/; the
// precache plugin copies the service worker and the files that keep their names, and writes
// the worker's precache list (demo/tools/precache_plugin.mjs).
//
//   node demo/build.mjs [--out DIR]
//
// ensureBuilt() is what demo/serve.mjs and the tests call: it builds only when a source file
// is newer than the last build, into a fresh folder that then replaces the old one, so a
// server never serves half a build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { precachePlugin } from './tools/precache_plugin.mjs';

const demoDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(demoDir, '..');
export const DEFAULT_OUT = path.join(demoDir, 'dist');
const STAMP = '.build-stamp';

// What a build reads: the demo's own files and the package's.
const SOURCES = [
  demoDir,
  path.join(repoRoot, 'js', 'src'),
  path.join(repoRoot, 'js', 'wasm'),
  path.join(repoRoot, 'package-lock.json'),
];

function newestMtime(entry) {
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  // Files only: demo/'s own time changes whenever a build replaces demo/dist.
  let newest = 0;
  for (const child of fs.readdirSync(entry, { withFileTypes: true })) {
    if (entry === demoDir && (child.name === 'dist' || child.name.startsWith('dist.'))) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child.name)));
  }
  return newest;
}

export async function buildDemo({ outDir = DEFAULT_OUT, logLevel = 'error' } = {}) {
  if (!fs.existsSync(path.join(repoRoot, 'js', 'wasm', 'smollm-st.wasm'))) {
    throw new Error('js/wasm/ has no smollm-st.wasm: build the wasm modules first (see README.md)');
  }
  const { build } = await import('vite');
  const staging = `${outDir}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    await build({
      root: demoDir,
      configFile: false,
      base: './', // relative URLs: the folder works from any path of any host
      publicDir: false,
      logLevel,
      plugins: [precachePlugin({ demoDir })],
      // The package's errors are told apart by their class names (error.name, also across the
      // worker boundary); the minifier must keep them, in the page and in the worker bundle.
      worker: { rolldownOptions: { output: { keepNames: true } } },
      build: {
        rolldownOptions: { output: { keepNames: true } },
        outDir: staging,
        emptyOutDir: true,
        // Every asset stays a file, never a data: URL: the package fetches the pthread worker
        // script by its URL, and the CSP's connect-src allows no data: (nor should it).
        assetsInlineLimit: 0,
        reportCompressedSize: false,
      },
    });
    fs.writeFileSync(path.join(staging, STAMP), new Date().toISOString());
    const old = `${outDir}.${process.pid}.old`;
    if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
    fs.renameSync(staging, outDir);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return outDir;
}

export function isStale(outDir = DEFAULT_OUT) {
  const stamp = path.join(outDir, STAMP);
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > built);
}

export async function ensureBuilt(outDir = DEFAULT_OUT) {
  if (isStale(outDir)) await buildDemo({ outDir });
  return outDir;
}

async function main() {
  const args = process.argv.slice(2);
  let outDir = DEFAULT_OUT;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out' && i + 1 < args.length) outDir = path.resolve(args[++i]);
    else if (args[i] === '--help' || args[i] === '-h') {
      console.log('usage: node demo/build.mjs [--out DIR]   (default demo/dist)');
      return;
    } else {
      console.error(`build.mjs: unknown argument ${args[i]} (try --help)`);
      process.exit(2);
    }
  }
  try {
    await buildDemo({ outDir });
  } catch (err) {
    console.error(`build.mjs: ${err.message}`);
    process.exit(1);
  }
  console.log(`demo built into ${outDir}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
