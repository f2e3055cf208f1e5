// Registers the service worker that keeps the app usable offline and adds the COOP/COEP
// headers static hosts leave out. When the page is not cross-origin isolated and the worker
// takes control, one reload lets the browser see those headers (and turn threads on).
// A new release of the app (a new worker, waiting) takes over at once only while the page is
// untouched, with a reload, so this page never mixes files of two releases; otherwise it
// waits for the next visit. Neither reload happens once the visitor has started using the
// page: it would throw away what they typed or a download under way.
const RELOADED_KEY = 'smollm-demo-reloaded-for-isolation';

let touched = false;
for (const type of ['pointerdown', 'keydown', 'drop']) {
  addEventListener(type, () => { touched = true; }, { once: true, capture: true });
}

// The worker this page loaded under: the release its files came from. Null on a first visit,
// whose files came from the network; the first worker to take control then brings no other
// release, and is no update. (WebKit may report that first worker as `waiting` after it has
// already taken control, when the page handles its 'installed' state late: mistaking it for
// an update reloaded pages a second after they opened.)
const loadedUnder = ('serviceWorker' in navigator && navigator.serviceWorker.controller) || null;
let updateRequested = false;

function activateUpdateWhileUntouched(registration) {
  const waiting = registration.waiting;
  const container = navigator.serviceWorker;
  if (!waiting || touched || updateRequested || !loadedUnder) return;
  if (container.controller !== loadedUnder || waiting === loadedUnder) return;
  updateRequested = true;
  container.addEventListener('controllerchange', () => {
    if (container.controller === waiting && !touched) location.reload();
  });
  waiting.postMessage({ type: 'skip-waiting' });
}

function watchForUpdates(registration) {
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed') activateUpdateWhileUntouched(registration);
    });
  });
  activateUpdateWhileUntouched(registration);
}

export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return { supported: false };
  // Not assets of the build (vite-ignore): the worker keeps its name at the site's root.
  const scriptUrl = new URL(/* @vite-ignore */ '../sw.js', import.meta.url);
  const scope = new URL(/* @vite-ignore */ '../', import.meta.url);
  if (!self.crossOriginIsolated) {
    navigator.serviceWorker.addEventListener('controllerchange', () => reloadOnceForIsolation());
  }
  try {
    const registration = await navigator.serviceWorker.register(scriptUrl, { scope: scope.pathname });
    watchForUpdates(registration);
    if (!self.crossOriginIsolated && navigator.serviceWorker.controller) reloadOnceForIsolation();
    else if (self.crossOriginIsolated) sessionStorage.removeItem(RELOADED_KEY);
    return { supported: true, registration };
  } catch (error) {
    return { supported: true, error };
  }
}

function reloadOnceForIsolation() {
  if (self.crossOriginIsolated || touched || sessionStorage.getItem(RELOADED_KEY)) return;
  sessionStorage.setItem(RELOADED_KEY, '1');
  location.reload();
}

export function willReloadForIsolation() {
  return 'serviceWorker' in navigator && !self.crossOriginIsolated && !touched && !sessionStorage.getItem(RELOADED_KEY);
}
