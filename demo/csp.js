// The demo's Content-Security-Policy, in one place: demo/serve.mjs sends it as a header, the
// service worker (importScripts) adds it to what it serves, and index.html carries the page
// policy in a meta tag for static hosts (tests/js/demo checks that the copies agree).
//
// Scripts come only from this origin, and none inline (the build bundles every module, so the
// page needs no import map). Models may come from any https host (custom URLs) and from local
// servers. Page and worker may also start blob: workers, run blob: scripts and WebAssembly
// ('wasm-unsafe-eval'): the multi-thread build's pthread workers run from Blob URLs of the
// package's own scripts, which the engine fetched itself (js/src/pthread-start.js: WebKit would
// not send those workers' requests through the service worker, so offline they failed); the
// page starts them (js/src/engine/pool-workers-page.js: Firefox could stall starting them in
// the engine's worker), and a blob: worker runs under its creator's policy, here the page's.
globalThis.SMOLLM_DEMO_CSP = (() => {
  const common = (workers) => [
    "default-src 'self'",
    "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
    "img-src 'self' data:",
    "style-src 'self'",
    `worker-src ${workers}`,
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ];
  return Object.freeze({
    page: [...common("'self' blob:"), "script-src 'self' blob: 'wasm-unsafe-eval'"].join('; '),
    worker: [...common("'self' blob:"), "script-src 'self' blob: 'wasm-unsafe-eval'"].join('; '),
    // Only as a header: a meta tag cannot carry it.
    headerOnly: "frame-ancestors 'none'",
  });
})();
