// What the browser cache suites share: a 127.0.0.1 FaultServer that also serves a blank page
// (with the import map the package needs) and the package itself from the same origin, and
// the engines to run in (the shared ENGINES list), each with the reason it is skipped.
import path from 'node:path';

import { ENGINES, missingBrowser } from '../browsers.mjs';
import { FaultServer } from '../../js/network/fault-server.mjs';
import { ROOT } from '../../js/network/fixture.mjs';
import { IMPORT_MAP, PACKAGE_ROUTES } from '../../support/package-routes.mjs';
import { staticRoutes } from '../../support/static-server.mjs';

const PAGE = `<!doctype html><meta charset="utf-8"><title>smollm-wasm cache tests</title>
${IMPORT_MAP}`;

/** A started FaultServer whose origin serves the page at / and the package (not isolated). */
export function startPackageServer() {
  const fallback = staticRoutes({
    '/': { body: PAGE, type: 'text/html' },
    ...PACKAGE_ROUTES,
    '/tests/browser/cache/stored-entry.js': path.join(ROOT, 'tests/browser/cache/stored-entry.js'),
  }, { isolated: false });
  return new FaultServer({ fallback }).start();
}

// The page is not cross-origin isolated, so every engine runs the single-thread build and
// WebKit with SharedArrayBuffer (webkit-sab) runs exactly what plain WebKit runs: same
// browser, same build, same cache code (nothing here depends on SharedArrayBuffer). Its cases
// show as skipped with this reason rather than repeat WebKit's (the 705 MiB load twice).
export const SAME_AS_WEBKIT = 'not cross-origin isolated here, so webkit-sab runs the same single-thread build and cache code as webkit, which covers it';

/** [{engine, skip}] for every engine of ENGINES; skip is the reason (logged) or false. */
export function enginesToRun() {
  return ENGINES.map((engine) => {
    const skip = missingBrowser(engine) ?? (engine.name === 'webkit-sab' ? SAME_AS_WEBKIT : null);
    if (skip) console.log(`SKIPPED (${engine.name}): ${skip}`);
    return { engine, skip: skip ?? false };
  });
}
