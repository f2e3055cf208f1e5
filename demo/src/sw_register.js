// Registers the service worker that keeps the app usable offline and adds the COOP/COEP
// headers static hosts leave out. When the page is not cross-origin isolated and the worker
// takes control, one reload lets the browser see those headers (and turn threads on).
const RELOADED_KEY = 'smollm-demo-reloaded-for-isolation';

export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return { supported: false };
  const scriptUrl = new URL('../sw.js', import.meta.url);
  const scope = new URL('../', import.meta.url);
  if (!self.crossOriginIsolated) {
    navigator.serviceWorker.addEventListener('controllerchange', () => reloadOnceForIsolation());
  }
  try {
    const registration = await navigator.serviceWorker.register(scriptUrl, { scope: scope.pathname });
    if (!self.crossOriginIsolated && navigator.serviceWorker.controller) reloadOnceForIsolation();
    else if (self.crossOriginIsolated) sessionStorage.removeItem(RELOADED_KEY);
    return { supported: true, registration };
  } catch (error) {
    return { supported: true, error };
  }
}

function reloadOnceForIsolation() {
  if (self.crossOriginIsolated || sessionStorage.getItem(RELOADED_KEY)) return;
  sessionStorage.setItem(RELOADED_KEY, '1');
  location.reload();
}

export function willReloadForIsolation() {
  return 'serviceWorker' in navigator && !self.crossOriginIsolated && !sessionStorage.getItem(RELOADED_KEY);
}
