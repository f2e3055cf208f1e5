// Entry point of the dedicated Web Worker that runs the engine in a browser.
import { receivePoolPort } from './pool-workers-engine.js';
import { hostEngine } from './worker-host.js';

// The package is typed with the window's library (lib "dom", which cannot be combined with
// "webworker"), so the dedicated worker scope's two members used here are declared here.
const scope = /** @type {{postMessage(message: unknown, transfer: Transferable[]): void,
  onmessage: ((event: MessageEvent) => void) | null}} */ (/** @type {unknown} */ (self));
hostEngine({
  post: (message, transfer = []) => scope.postMessage(message, transfer),
  listen: (handler) => {
    scope.onmessage = (e) => {
      // The page's pool port (pool-workers-page.js) comes first, outside the call protocol.
      if (e.data?.type === 'pool-port') receivePoolPort(e.data.port);
      else handler(e.data);
    };
  },
});
