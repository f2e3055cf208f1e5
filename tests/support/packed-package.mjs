// The package as a user's project gets it: `npm pack` of js/ (which runs its prepack), and
// that tarball installed by npm into a fresh folder outside the repository, offline. The
// package's dependencies come from tarballs packed out of the workspace's node_modules (what
// `npm install` at the root put there from the registry), so nothing is fetched and no path
// leads back into the repository: a file the tarball lacks is missing in the folder too.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './package-routes.mjs';

/** @typedef {{name: string, version: string, dependencies?: Record<string, string>}} Manifest */

/** @param {string} file @returns {Manifest} */
const readManifest = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Why the packed package cannot be made here, or null. */
export function missingPackPrerequisite() {
  for (const build of ['smollm-mt', 'smollm-st']) {
    if (!existsSync(path.join(REPO_ROOT, `js/wasm/${build}.wasm`))) return `js/wasm/${build}.wasm is missing: build the wasm modules first`;
  }
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore' });
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'npm and tar are needed to pack and install the package';
  }
  return null;
}

/**
 * Packs js/ into `dir`/tarballs and installs it into `dir`/app (a new folder), with the
 * given extra files of the app written first.
 * @param {string} dir an empty scratch folder
 * @param {Record<string, string>} [appFiles] name -> text, e.g. an index.html
 * @returns {{app: string, tarball: string, entries: string[], manifest: Record<string, any>}}
 *   entries: the tarball's paths without the leading 'package/'; manifest: its package.json
 */
export function packAndInstall(dir, appFiles = {}) {
  const tarballs = path.join(dir, 'tarballs');
  const app = path.join(dir, 'app');
  mkdirSync(tarballs);
  mkdirSync(app);
  const tarball = pack(['--workspace', 'js'], REPO_ROOT, tarballs);
  /** @type {Record<string, string>} */
  const dependencies = { 'smollm-wasm': `file:${tarball}` };
  const pending = Object.entries(readManifest(path.join(REPO_ROOT, 'js/package.json')).dependencies ?? {});
  while (pending.length) {
    const [name, wanted] = /** @type {[string, string]} */ (pending.shift());
    if (dependencies[name]) continue;
    const folder = path.join(REPO_ROOT, 'node_modules', name);
    if (!existsSync(folder)) throw new Error(`${name} (a dependency of the package) is not in node_modules: run npm install at the repository root`);
    const manifest = readManifest(path.join(folder, 'package.json'));
    if (manifest.version !== wanted) throw new Error(`node_modules holds ${name} ${manifest.version}, the package wants ${wanted}: run npm install at the repository root`);
    // A registry package as installed: no build scripts to run again.
    dependencies[name] = `file:${pack(['--ignore-scripts'], folder, tarballs)}`;
    pending.push(...Object.entries(manifest.dependencies ?? {}));
  }
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'packed-app', private: true, type: 'module', dependencies }, null, 2));
  for (const [name, text] of Object.entries(appFiles)) writeFileSync(path.join(app, name), text);
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: app, stdio: ['ignore', 'ignore', 'pipe'] });
  const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  return { app, tarball, entries, manifest };
}

/**
 * `npm pack` in `cwd`; the path of the one tarball it wrote into `into`.
 * @param {string[]} args
 * @param {string} cwd
 * @param {string} into
 */
function pack(args, cwd, into) {
  const before = new Set(readdirSync(into));
  // Lifecycle scripts (the package's prepack) print to stdout; their errors reach stderr.
  execFileSync('npm', ['pack', ...args, '--pack-destination', into], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const made = readdirSync(into).filter((name) => !before.has(name) && name.endsWith('.tgz'));
  if (made.length !== 1) throw new Error(`npm pack in ${cwd} wrote ${made.length} tarballs`);
  return path.join(into, made[0]);
}
