// Service worker of the demo: keeps the built app (page, bundles, the package's worker and
// wasm) in a cache so the app starts offline, and gives every response it serves the
// COOP/COEP headers (so even a static host that cannot set headers gets a cross-origin
// isolated page: threads) and the demo's Content-Security-Policy (csp.js).
//
// One release at a time: the build (demo/build.mjs) writes PRECACHE, every file of the built
// folder with a digest of its contents, and RELEASE, a digest of that list, into the built
// copy of this file. The release is fetched whole at install into a cache named after it and
// served cache-first from it, so a page never runs JS glue of one release with a .wasm of
// another. Files whose contents did not change are copied from the previous release's cache
// instead of downloaded again. An install that cannot get a listed file fails and leaves the
// running release alone. A new release waits until no page of the old one is open, except
// right after a page opens (sw_register.js). Responses marked no-store and URLs with a query
// string are never cached.
//
// Models are not cached here: the package keeps them in its own cache (and needs Range
// requests to resume downloads), so model requests pass straight through.
importScripts('csp.js');

// Filled in by the build (demo/tools/precache_plugin.mjs); the source folder is not servable.
const RELEASE = 'unbuilt';
const PRECACHE = [];
const OWN_CACHE_PREFIX = 'smollm-demo-shell-';
const SHELL_CACHE = `${OWN_CACHE_PREFIX}${RELEASE}`;
const CSP = self.SMOLLM_DEMO_CSP;
// Present only on the local server (demo/serve.mjs): the models it offers.
const OPTIONAL = ['models/index.json'];

const noStore = (response) => /(^|,)\s*no-store\b/i.test(response.headers.get('Cache-Control') ?? '');

async function fetchForRelease(url) {
  const response = await fetch(new Request(url, { cache: 'reload' }));
  return response.ok && response.status === 200 && !noStore(response) ? response : null;
}

// The same file (by URL and contents) in an earlier release's cache, if one is still there.
async function fromEarlierRelease(url, revision) {
  for (const name of await caches.keys()) {
    if (!name.startsWith(OWN_CACHE_PREFIX) || name === SHELL_CACHE) continue;
    const cache = await caches.open(name);
    const response = await cache.match(url);
    if (response && response.headers.get('X-Smollm-Revision') === revision) return response;
  }
  return null;
}

// Stamps the revision on the cached copy, so the next release can tell it is unchanged.
function withRevision(response, revision) {
  const headers = new Headers(response.headers);
  headers.set('X-Smollm-Revision', revision);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function populateRelease(cache) {
  if (!PRECACHE.length) throw new Error('this service worker has no precache list: serve the built folder (node demo/build.mjs)');
  for (const { url: path, revision } of PRECACHE) {
    const url = new URL(path, self.registration.scope).href;
    const earlier = await fromEarlierRelease(url, revision);
    const response = earlier ?? await fetchForRelease(url);
    if (!response) throw new Error(`the app file ${path} could not be fetched for release ${RELEASE}`);
    await cache.put(url, earlier ? response : withRevision(response, revision));
  }
  await Promise.allSettled(OPTIONAL.map(async (path) => {
    const url = new URL(path, self.registration.scope).href;
    const response = await fetchForRelease(url);
    if (response) await cache.put(url, response);
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    // Built from scratch, so a half-filled cache of an earlier failed try never serves.
    await caches.delete(SHELL_CACHE);
    const cache = await caches.open(SHELL_CACHE);
    try {
      await populateRelease(cache);
    } catch (error) {
      await caches.delete(SHELL_CACHE);
      throw error;
    }
    // The first release takes over at once (nothing to mix with); a later one waits.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    // Only this worker's own old caches: the package's model cache lives on the same origin.
    for (const name of await caches.keys()) {
      if (name.startsWith(OWN_CACHE_PREFIX) && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.headers.has('range')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request, url));
    return;
  }
  if (url.search || !isAppFile(request, url)) return;
  event.respondWith(cacheFirst(request));
});

const MODELS_PATH = new URL('models/', self.registration.scope).pathname;

// Pages, scripts, workers, styles and images, plus the few kinds of file scripts fetch()
// themselves (wasm, JS, JSON). Anything else a script fetches may be a model of any name,
// which belongs to the package's cache, never to this one.
function isAppFile(request, url) {
  if (url.pathname.endsWith('.gguf')) return false;
  if (url.pathname.startsWith(MODELS_PATH)) return url.pathname === `${MODELS_PATH}index.json`;
  return request.destination !== '' || /\.(wasm|m?js|json)$/.test(url.pathname);
}

// The shell's page for any navigation to it (query strings ignored: one cached copy).
async function navigation(request, url) {
  const cache = await caches.open(SHELL_CACHE);
  const bare = new URL(url.pathname, url);
  const cached = (await cache.match(bare.href)) ??
    (bare.href === self.registration.scope ? await cache.match(new URL('index.html', self.registration.scope).href) : undefined);
  if (cached) return withHeaders(cached, bare);
  return fromNetwork(request, url);
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return withHeaders(cached, new URL(request.url));
  return fromNetwork(request, new URL(request.url));
}

// Files outside the release (not precached, or with a query string): the network, never
// stored, so the cached set stays one release.
async function fromNetwork(request, url) {
  try {
    return withHeaders(await fetch(request), url);
  } catch {
    return new Response(`Offline, and ${url.pathname} is not in the offline cache.\n`, {
      status: 503,
      headers: addedHeaders({ 'Content-Type': 'text/plain; charset=utf-8' }, url),
    });
  }
}

function addedHeaders(init, url) {
  const headers = new Headers(init);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  if (!headers.has('Content-Security-Policy')) {
    const script = /\.m?js$/.test(url.pathname);
    headers.set('Content-Security-Policy', script ? CSP.worker : `${CSP.page}; ${CSP.headerOnly}`);
  }
  return headers;
}

function withHeaders(response, url) {
  // Opaque and error responses cannot be rebuilt; 1xx/204/304 have no body to carry.
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  if (response.headers.get('Cross-Origin-Embedder-Policy') === 'require-corp' &&
      response.headers.get('Cross-Origin-Opener-Policy') === 'same-origin' &&
      response.headers.has('Content-Security-Policy')) {
    return response;
  }
  const nullBody = [101, 204, 205, 304].includes(response.status);
  return new Response(nullBody ? null : response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: addedHeaders(response.headers, url),
  });
}
