// Writes the package's published declarations into types/: tsc emits them from the sources'
// JSDoc (tsconfig.build.json), and the declarations written by hand in src/ (the Embind
// module's, which the emitted ones import) are copied beside them. Run by `npm pack` (prepack).
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(join(root, 'types'), { recursive: true, force: true });   // no declarations of removed files
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const entry of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (entry.endsWith('.d.ts')) copyFileSync(join(root, 'src', entry), join(root, 'types', entry));
}
