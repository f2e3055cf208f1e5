// Entry point of the dedicated Web Worker that runs the engine in a browser.
import { hostEngine } from './worker-host.js';

hostEngine({
  post: (message, transfer = []) => self.postMessage(message, transfer),
  listen: (handler) => { self.onmessage = (e) => handler(e.data); },
});
