// A Vite plugin of the demo's build: copies the files that must keep their names (the
// service worker, the CSP script it imports, the web manifest and the icons it names) into
// the built folder, then writes the service worker's precache list: every built file with a
// digest of its contents, and the release (a digest of that list) that names its cache. Any
// change to any built file is thereby a new release of the offline app.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Relative to the demo folder; copied as they are.
const KEPT_NAMES = ['csp.js', 'manifest.webmanifest', 'icons'];
const SERVICE_WORKER = 'sw.js';

function digest(data) {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

function filesUnder(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, base);
    return entry.isFile() ? [path.relative(base, full).split(path.sep).join('/')] : [];
  });
}

// The list the service worker fetches at install: URLs relative to its scope, sorted so the
// release does not depend on the order the file system lists them in.
export function precacheList(outDir) {
  return filesUnder(outDir)
    .filter((file) => file !== SERVICE_WORKER && !file.startsWith('.') && !file.endsWith('.map'))
    .sort()
    .map((url) => ({ url, revision: digest(fs.readFileSync(path.join(outDir, url))) }));
}

// Fills the service worker's `const RELEASE = '…';` and `const PRECACHE = […];` lines.
export function stampServiceWorker(source, list) {
  const release = digest(list.map((e) => `${e.url} ${e.revision}`).join('\n'));
  let stamped = 0;
  const out = source
    .replace(/^const RELEASE = '[^']*';$/m, () => {
      stamped++;
      return `const RELEASE = '${release}';`;
    })
    .replace(/^const PRECACHE = \[\];$/m, () => {
      stamped++;
      return `const PRECACHE = ${JSON.stringify(list, null, 1)};`;
    });
  if (stamped !== 2) throw new Error(`${SERVICE_WORKER}: the RELEASE and PRECACHE lines to fill are not both there`);
  return { source: out, release };
}

export function precachePlugin({ demoDir }) {
  let outDir;
  return {
    name: 'smollm-demo-precache',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    writeBundle() {
      for (const name of KEPT_NAMES) {
        fs.cpSync(path.join(demoDir, name), path.join(outDir, name), { recursive: true });
      }
      const list = precacheList(outDir);
      const { source, release } = stampServiceWorker(fs.readFileSync(path.join(demoDir, SERVICE_WORKER), 'utf8'), list);
      fs.writeFileSync(path.join(outDir, SERVICE_WORKER), source);
      this.info?.(`service worker release ${release}: ${list.length} files precached`);
    },
  };
}
