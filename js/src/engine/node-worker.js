// Entry point of the worker_threads worker that runs the engine in Node.
import { parentPort } from 'node:worker_threads';
import { hostEngine } from './worker-host.js';

hostEngine({
  post: (message, transfer = []) => parentPort.postMessage(message, transfer),
  listen: (handler) => parentPort.on('message', handler),
});
