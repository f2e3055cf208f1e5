// The published package, not the source tree: `npm pack` of js/ installed offline into a fresh
// folder (tests/support/packed-package.mjs). The tarball must hold every file its package.json
// names (main, exports and their "types", bin) and every module the package loads at run
// time; imported by name from that folder, in a new Node process, it must load a
// writer-generated model and give the source tree's greedy text, render a chat template
// through its dependency, run its CLI, and its types must compile in a strict consumer.
// tests/browser/vite bundles the same installed folder for the browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SmolLM } from '../../../js/src/index.js';
import { ROOT, syntheticModel } from './support/models.mjs';
import { missingPackPrerequisite, packAndInstall } from '../../support/packed-package.mjs';

const skip = missingPackPrerequisite() ?? false;
if (skip) console.log(`skipping the packed-package test: ${skip}`);

const GENERATE = { maxTokens: 8, temperature: 0, ignoreEos: true };

// Run in the installed folder, so 'smollm-wasm' resolves as it does in a user's project.
const USE_JS = `import { SmolLM } from 'smollm-wasm';
const llm = await SmolLM.load(process.argv[2], { threads: 1, contextSize: 128, cache: false });
let text = '';
for await (const piece of llm.generate('ab', ${JSON.stringify(GENERATE)})) text += piece.text;
const prompt = await llm.applyChatTemplate([{ role: 'user', content: 'hi' }]);
await llm.unload();
console.log(JSON.stringify({ text, prompt, resolved: import.meta.resolve('smollm-wasm') }));
`;

// Correct use must compile against the published types (strict, and without @types/node: a
// browser app has none); the misuse below it must not.
const USE_TS = `import { SmolLM } from 'smollm-wasm';
export async function firstWords(url: string): Promise<string> {
  const llm = await SmolLM.load(url, { threads: 1, onProgress: (p) => void p.loaded });
  let text = '';
  for await (const piece of llm.generate('hi', { maxTokens: 4 })) text += piece.text;
  await llm.unload();
  return text;
}
`;
const MISUSE_TS = `import { SmolLM } from 'smollm-wasm';
export const wrong = SmolLM.load(42);
`;

/** Lists the path strings an exports/bin value names (nested conditions included). */
function namedPaths(value) {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(namedPaths);
  return [];
}

const inPackage = (p) => p.replace(/^\.\//, '');

// tsc's output for `file` of the folder ('' when it compiles).
function typecheck(app, file) {
  const config = join(app, `tsconfig.${file}.json`);
  writeFileSync(config, JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], skipLibCheck: false },
    files: [file],
  }));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: app, encoding: 'utf8' });
    return '';
  } catch (error) {
    return String(error.stdout || error.message);
  }
}

describe('the packed package, installed into a fresh folder', { skip }, () => {
  let dir;
  let packed;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'smollm-packed-'));
    packed = packAndInstall(dir, { 'use.mjs': USE_JS, 'use.ts': USE_TS, 'misuse.ts': MISUSE_TS });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the tarball holds every file its package.json names, the .d.ts of "types" among them', () => {
    const { manifest, entries } = packed;
    assert.ok(manifest.types, 'package.json names its types');
    const named = [manifest.main, manifest.types, ...namedPaths(manifest.exports), ...namedPaths(manifest.bin)].filter(Boolean);
    for (const file of named) assert.ok(entries.includes(inPackage(file)), `${file} (named by package.json) is in the tarball`);
    assert.match(manifest.types, /\.d\.ts$/);
  });

  // The builds' symbol maps (*.js.symbols, for naming a crash's wasm functions) stay out: only
  // this checkout's developers read them.
  test('the tarball holds every module the package loads: js/src and every built js/wasm file', () => {
    const { entries } = packed;
    const built = readdirSync(join(ROOT, 'js/wasm'));
    const wanted = [
      ...readdirSync(join(ROOT, 'js/src'), { recursive: true }).map(String).filter((f) => /\.(js|cjs)$/.test(f)).map((f) => `src/${f}`),
      ...built.filter((f) => !f.endsWith('.symbols')).map((f) => `wasm/${f}`),
    ];
    const missing = wanted.filter((f) => !entries.includes(f));
    assert.deepEqual(missing, [], 'files missing from the tarball');
    assert.ok(built.some((f) => f.endsWith('.symbols')), 'the builds wrote their symbol maps');
    assert.deepEqual(entries.filter((f) => f.endsWith('.symbols')), [], 'no symbol map is published');
    assert.ok(!entries.some((f) => f.startsWith('node_modules/')), 'no dependency is bundled into the tarball');
  });

  test('installed as files, not a link into the repository', () => {
    const folder = join(packed.app, 'node_modules/smollm-wasm');
    assert.equal(lstatSync(folder).isSymbolicLink(), false);
    assert.equal(lstatSync(join(packed.app, 'node_modules/@huggingface/jinja')).isSymbolicLink(), false);
  });

  test('imported by name in Node, it loads a model and gives the source tree\'s greedy text', async () => {
    const model = syntheticModel();
    const out = execFileSync(process.execPath, ['use.mjs', model], { cwd: packed.app, encoding: 'utf8' });
    const used = JSON.parse(out.trim().split('\n').at(-1));
    const resolved = realpathSync(fileURLToPath(used.resolved));
    assert.ok(!relative(realpathSync(packed.app), resolved).startsWith('..'), `smollm-wasm resolved inside the folder: ${resolved}`);

    const llm = await SmolLM.load(model, { threads: 1, contextSize: 128, cache: false });
    let text = '';
    try {
      for await (const piece of llm.generate('ab', GENERATE)) text += piece.text;
    } finally {
      await llm.unload();
    }
    assert.ok(text.length > 0);
    assert.equal(used.text, text, 'the packed package generates what the source tree does');
    assert.match(used.prompt, /hi/, 'the chat template rendered through the installed @huggingface/jinja');
  });

  test('its CLI runs from node_modules/.bin', () => {
    const out = execFileSync(join(packed.app, 'node_modules/.bin/smollm-wasm'), ['inspect', syntheticModel()], { cwd: packed.app, encoding: 'utf8' });
    assert.match(out, /llama/);
  });

  test('its types compile in a strict consumer, and misuse does not', () => {
    assert.equal(typecheck(packed.app, 'use.ts'), '', 'correct use compiles');
    assert.match(typecheck(packed.app, 'misuse.ts'), /misuse\.ts.*error TS(2345|2769)/, 'a number is not a model source');
  });
});
