// Service worker of the demo: keeps the app shell, the package's JS and the wasm in a cache
// so the app starts offline, and gives every response it serves the COOP/COEP headers, so
// even a static host that cannot set headers gets a cross-origin isolated page (threads).
//
// Models are not cached here: the package keeps them in its own cache (and needs Range
// requests to resume downloads), so model requests pass straight through.
const SHELL_CACHE = 'smollm-demo-shell-v1';
const OWN_CACHE_PREFIX = 'smollm-demo-shell-';
const NETWORK_TIMEOUT_MS = 5000;

// The page's own files that are not modules. Paths are relative to this file.
const SHELL = ['./', 'index.html', 'styles.css', 'manifest.webmanifest',
  'icons/icon-192.png', 'icons/icon-512.png', 'icons/icon-maskable-512.png'];

// Module graphs to fetch at install: the app, the package (its worker and wasm included) and
// the package's template engine (mapped by the page's import map). Following the graph
// instead of listing files keeps this worker right when the package's files change.
const MODULE_ROOTS = ['src/app.js', 'js/src/index.js', 'vendor/jinja/index.js'];
const MAX_PRECACHED_MODULES = 300;
// Present only on the local server (demo/serve.mjs): the models it offers.
const OPTIONAL = ['models/index.json'];

// Relative specifiers of static and dynamic imports and of `new URL('...', import.meta.url)`;
// the latter also bare, as Emscripten names the .wasm and the pthread worker
// (`new URL("smollm-mt.wasm", import.meta.url)`).
const SPECIFIER_PATTERNS = [
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g,
  /\bimport\s*['"](\.{1,2}\/[^'"]+)['"]/g,
  /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
  /\bnew\s+URL\(\s*['"]((?:\.{1,2}\/)?[\w][\w.\/-]*)['"]\s*,\s*import\.meta\.url\s*\)/g,
];

function relativeSpecifiers(source) {
  const found = new Set();
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const match of source.matchAll(pattern)) found.add(match[1]);
  }
  return found;
}

// Best effort: a missing file (e.g. a build variant that was not built) is skipped, and is
// cached later by the fetch handler if the page ever uses it.
async function precacheModuleGraph(cache) {
  const queue = MODULE_ROOTS.map((path) => new URL(path, self.registration.scope).href);
  const seen = new Set();
  while (queue.length && seen.size < MAX_PRECACHED_MODULES) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    let response;
    try {
      response = await fetch(url, { cache: 'reload' });
    } catch {
      continue;
    }
    if (!response.ok) continue;
    await cache.put(url, response.clone());
    if (!/\.m?js$/.test(new URL(url).pathname)) continue;
    for (const specifier of relativeSpecifiers(await response.text())) {
      const next = new URL(specifier, url);
      if (next.origin === self.location.origin) queue.push(next.href);
    }
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' })));
    await precacheModuleGraph(cache);
    await Promise.allSettled(OPTIONAL.map(async (path) => {
      const response = await fetch(new Request(path, { cache: 'reload' }));
      if (response.ok) await cache.put(path, response);
    }));
    await self.skipWaiting();
  })());
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
  if (url.origin !== self.location.origin) return;
  if (request.headers.has('range') || !isAppFile(request, url)) return;
  event.respondWith(networkFirst(request, event));
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

// Network first, so a development server's fresh code always wins; the cache answers when
// the network fails or stalls.
async function networkFirst(request, event) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetchWithTimeout(request);
    if (response.ok && response.type === 'basic' && response.status === 200) {
      event.waitUntil(cache.put(request, response.clone()).catch(() => {}));
    }
    return withIsolationHeaders(response);
  } catch (networkError) {
    const cached = (await cache.match(request, { ignoreVary: true })) ??
      (request.mode === 'navigate' ? await cache.match(new URL('./', self.registration.scope).href) : undefined);
    if (cached) return withIsolationHeaders(cached);
    return new Response(`Offline, and ${new URL(request.url).pathname} is not in the offline cache.\n`, {
      status: 503,
      headers: isolationHeaders({ 'Content-Type': 'text/plain; charset=utf-8' }),
    });
  }
}

async function fetchWithTimeout(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), NETWORK_TIMEOUT_MS);
  try {
    // Reuse the original request (credentials, destination) with our abort signal.
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

function isolationHeaders(init) {
  const headers = new Headers(init);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return headers;
}

function withIsolationHeaders(response) {
  // Opaque and error responses cannot be rebuilt; 1xx/204/304 have no body to carry.
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  if (response.headers.get('Cross-Origin-Embedder-Policy') === 'require-corp' &&
      response.headers.get('Cross-Origin-Opener-Policy') === 'same-origin') {
    return response;
  }
  const nullBody = [101, 204, 205, 304].includes(response.status);
  return new Response(nullBody ? null : response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: isolationHeaders(response.headers),
  });
}
