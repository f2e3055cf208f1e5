// The engine interface and the worker protocol derived from it (js/src/engine/protocol.js),
// read from the sources: the hooks of a method follow from the events it streams, the
// arguments that cross to the worker are its parameters without the hooks, and a call
// message's arguments must be its method's.
import type {
  CallArgs, CallMessage, CallResult, Engine, EngineHooks, EngineMethod, WorkerMessage,
} from '../../js/src/engine/protocol.js';
import type { LoadProgress, GeneratedPiece } from '../../js/src/types.js';

const methods: EngineMethod[] = ['load', 'info', 'renderChat', 'tokenize', 'detokenize', 'generate',
  'evalLogits', 'negLogLikelihoods', 'memoryUsage', 'unload'];

const loadHooks: EngineHooks<'load'> = {
  signal: new AbortController().signal,
  onProgress: (p: LoadProgress) => p.loaded,
  onWarning: (w) => w.code,
};
const generateHooks: EngineHooks<'generate'> = { onPiece: (piece: GeneratedPiece) => piece.text };
// @ts-expect-error generate streams pieces, not progress
export const wrongEvent: EngineHooks<'generate'> = { onProgress: () => {} };
// @ts-expect-error tokenize streams nothing: it has no hooks
export const noHooks: EngineHooks<'tokenize'> = { onPiece: () => {} };

const loadArgs: CallArgs<'load'> = ['https://example.com/m.gguf', { threads: 2 }];
const tokenizeArgs: CallArgs<'tokenize'> = ['text', { special: true }];
const generateArgs: CallArgs<'generate'> = [{ prompt: 'Hi', maxTokens: 4 }];
// @ts-expect-error hooks never cross to the worker
export const hooksCross: CallArgs<'load'> = ['m.gguf', {}, loadHooks];
// @ts-expect-error the signal stays with the page: it is the hooks'
export const signalCrosses: CallArgs<'generate'> = [{ prompt: 'Hi', signal: new AbortController().signal }];
// @ts-expect-error tokenize takes text
export const badArgs: CallArgs<'tokenize'> = [42];

const call: CallMessage = { type: 'call', id: 1, method: 'negLogLikelihoods', args: [[1, 2, 3], 1] };
// @ts-expect-error a call's arguments are its method's
export const mismatched: CallMessage = { type: 'call', id: 2, method: 'tokenize', args: [[1, 2, 3], 1] };
// @ts-expect-error no such method
export const unknownMethod: CallMessage = { type: 'call', id: 3, method: 'reload', args: [] };
const event: WorkerMessage = { type: 'event', id: 1, kind: 'piece', value: { text: 'a', tokens: [1], elapsedMs: 1 } };
// @ts-expect-error a warning crosses serialized, not as an Error
export const rawWarning: WorkerMessage = { type: 'event', id: 1, kind: 'warning', value: new Error('x') };

const logits: CallResult<'evalLogits'> = { nVocab: 2, logits: new Float32Array(2) };

// An engine lacking a method is no Engine.
declare const engine: Engine;
const { unload, ...lacking } = engine;
// @ts-expect-error unload is missing
export const partial: Engine = lacking;

export const used = [methods, generateHooks, loadArgs, tokenizeArgs, generateArgs, call, event, logits, unload];
