// Types are checked, not hoped for. The package's JavaScript carries JSDoc types that must pass
// `tsc --checkJs --strict` (js/tsconfig.json), and the declarations it publishes are generated
// from them (js/scripts/build-types.mjs, run by `npm pack`). The public API is then compiled as
// a user sees it, through the package's "exports": usage.mts must compile and every misuse in
// misuse.mts must be refused (an unneeded @ts-expect-error is itself an error); so must the
// misuses of the engine interface and its worker protocol in engine-protocol.mts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// Runs a node script; its output is the assertion message when it fails.
function run(args) {
  try {
    execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` };
  }
}

test('the package passes tsc --checkJs --strict (js/tsconfig.json)', () => {
  const { ok, output } = run([tsc, '-p', 'js/tsconfig.json']);
  const count = (output.match(/error TS\d+/g) ?? []).length;
  assert.ok(ok, `${count} type error(s):\n${output}`);
});

test('the published declarations are generated, and the package points at them', () => {
  const built = run(['js/scripts/build-types.mjs']);
  assert.ok(built.ok, built.output);
  const pkg = JSON.parse(readFileSync(join(root, 'js', 'package.json'), 'utf8'));
  assert.equal(pkg.types, './types/index.d.ts');
  assert.equal(pkg.exports['.'].types, './types/index.d.ts');
  assert.ok(pkg.files.includes('types'), 'types/ is packed');
  assert.match(pkg.scripts.prepack, /build:types/);
  assert.ok(existsSync(join(root, 'js', 'types', 'index.d.ts')));
  assert.ok(!existsSync(join(root, 'js', 'src', 'index.d.ts')), 'no hand-written index.d.ts beside the sources');
});

test('the public API and the engine protocol: examples compile and misuse is refused (tests/types/*.mts)', () => {
  const { ok, output } = run([tsc, '-p', 'tests/types/tsconfig.json']);
  assert.ok(ok, output);
});
