// The package's error classes keep their names when an app's bundler minifies them: users
// catch by `error.name` / `error.code`, and the worker protocol sends errors by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const errorsModule = fileURLToPath(new URL('../../../js/src/errors.js', import.meta.url));

test('error names survive a minified production bundle', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'smollm-error-names-'));
  try {
    await writeFile(join(dir, 'entry.js'), `import * as errors from ${JSON.stringify(errorsModule)};
export const names = [
  new errors.HttpError(404, 'u').name, new errors.InvalidArgumentError('x').name,
  new errors.ContextLengthError(9, 8).name, new errors.InvalidArgumentError('x').code,
  errors.deserializeError({ name: 'UnsupportedModelError', message: 'm', fields: {} }).name,
];
`);
    // Vite's own defaults for an app's production build: minified, class names not kept.
    await build({
      logLevel: 'silent', configFile: false, root: dir,
      build: { outDir: join(dir, 'out'), minify: true, lib: { entry: join(dir, 'entry.js'), formats: ['es'], fileName: () => 'bundle.mjs' } },
    });
    const bundle = await import(pathToFileURL(join(dir, 'out', 'bundle.mjs')).href);
    assert.deepEqual(bundle.names, ['HttpError', 'InvalidArgumentError', 'ContextLengthError', 'INVALID_ARGUMENT', 'UnsupportedModelError']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
