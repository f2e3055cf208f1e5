// Entry point of the worker_threads worker that runs the engine in Node.
import { parentPort } from 'node:worker_threads';
import { hostEngine } from './worker-host.js';

if (!parentPort) throw new Error('node-worker.js runs as a worker_threads Worker only');
const port = parentPort;
hostEngine({
  post: (message, transfer = []) => port.postMessage(message, /** @type {import('node:worker_threads').Transferable[]} */ (transfer)),
  listen: (handler) => port.on('message', handler),
});
