// The engine interface, and the page <-> worker protocol derived from it. SmolLM talks to an
// Engine without knowing which one: LocalEngine runs it on the calling thread, WorkerEngine
// sends each call to a worker that holds a LocalEngine (worker-host.js). Both declare
// `@implements {Engine}`, so a method added here fails the type check until both have it, and
// the worker's method table below until it says which events the method streams.
//
//   page -> worker   {type: 'call', id, method, args}      args: the method's parameters
//                                                          without its hooks (CallArgs)
//                    {type: 'abort', id}                    abort that call (its hooks' signal)
//   worker -> page   {type: 'event', id, kind, value}       kind in ENGINE_METHOD_EVENTS[method]
//                    {type: 'result', id, value}
//                    {type: 'error', id, error}             error = serializeError(...)
import { deserializeError, serializeError } from '../errors.js';

/**
 * @import { ChatMessage, EngineModelInfo, GeneratedPiece, GenerateOptions, GenerationStats,
 *   LoadOptions, LoadProgress } from '../types.js'
 * @import { SmolLMError } from '../errors.js'
 */

/**
 * A model source as it crosses to the engine: URLs as absolute strings (a worker has another
 * base URL), paths in Node, Blobs as they are; an array for a split GGUF.
 * @typedef {string | Blob | Array<string | Blob>} ResolvedSource
 */

/**
 * The load options the engine reads: LoadOptions less what the page keeps (its callbacks and
 * signal become the call's hooks; `worker` and `persist` are decided on the page).
 * @typedef {Omit<LoadOptions, 'onProgress' | 'onWarning' | 'signal' | 'worker' | 'persist'>} EngineLoadOptions
 */

/**
 * One generation: a prompt as text (tokenized with `special` and `addBos`) or as token ids,
 * and the generation options (with defaults already applied; the signal is the hooks').
 * `droppedMessages`: set by a chat that dropped its oldest turns to fit the context (the
 * engine then re-uses the cached turns that follow them, and reports the count in the stats).
 * @typedef {Omit<GenerateOptions, 'signal'> & {prompt?: string, tokens?: ArrayLike<number>, droppedMessages?: number}} GenerateRequest
 */

/**
 * @typedef {object} RenderChatOptions
 * @property {boolean} [addGenerationPrompt] End with the assistant's turn opening (default true).
 * @property {string | null} [moduleUrl] Where the page resolved @huggingface/jinja (a worker
 *   does not see the page's import map); null leaves the bare import to a bundler or Node.
 */

/** @typedef {{nVocab: number, logits: Float32Array}} EvalLogitsResult */

/**
 * The engine interface. Every method is asynchronous (a worker answers by message). A method
 * that streams events (ENGINE_METHOD_EVENTS) takes a last `hooks` parameter: the callbacks
 * for its events and an AbortSignal.
 * @typedef {object} Engine
 * @property {(source: ResolvedSource, options: EngineLoadOptions, hooks?: EngineHooks<'load'>) => Promise<EngineModelInfo>} load
 *   Reads the model into wasm memory and builds the engine; one model per engine.
 * @property {() => Promise<EngineModelInfo>} info The loaded model's facts.
 * @property {(messages: ChatMessage[], options?: RenderChatOptions) => Promise<string>} renderChat
 *   Renders messages with the model's chat template (untrusted Jinja, under the load's
 *   templateLimits), in the engine's thread.
 * @property {(text: string, options?: {special?: boolean, addBos?: boolean}) => Promise<number[]>} tokenize
 * @property {(ids: ArrayLike<number>, options?: {special?: boolean}) => Promise<string>} detokenize
 * @property {(request: GenerateRequest, hooks?: EngineHooks<'generate'>) => Promise<GenerationStats>} generate
 *   Streams a completion piece by piece; an aborted signal ends it within one token with
 *   finishReason "abort" (the engine stays usable).
 * @property {(tokens: ArrayLike<number>, options?: {batchSize?: number}) => Promise<EvalLogitsResult>} evalLogits
 *   Logits of every position of `tokens` evaluated from position 0, row by row.
 * @property {(tokens: ArrayLike<number>, firstTarget: number) => Promise<Float64Array>} negLogLikelihoods
 *   -log p(tokens[j] | tokens[<j]) for j from firstTarget on.
 * @property {() => Promise<{wasmBytes: number}>} memoryUsage
 * @property {() => Promise<void>} unload Frees the engine and its memory.
 */

/** @typedef {keyof Engine} EngineMethod */

/**
 * What each event carries, by kind.
 * @typedef {object} EngineEventValues
 * @property {LoadProgress} progress
 * @property {SmolLMError} warning
 * @property {GeneratedPiece} piece
 */

/** @typedef {keyof EngineEventValues} EngineEventKind */

/**
 * What each event carries across postMessage: Errors lose their class in a structured clone,
 * so a warning travels serialized; the rest are plain data.
 * @typedef {object} EngineEventWireValues
 * @property {LoadProgress} progress
 * @property {SerializedError} warning
 * @property {GeneratedPiece} piece
 */

/**
 * The events each method streams back, for every method of Engine: a method missing here, or
 * a name that is no method, fails the type check. The hooks of a method are derived from its
 * list (EngineHooks), so the two ends cannot disagree on them.
 */
export const ENGINE_METHOD_EVENTS = Object.freeze(
  /** @satisfies {{readonly [M in EngineMethod]: readonly EngineEventKind[]}} */ ({
    load: ['progress', 'warning'],
    info: [],
    renderChat: [],
    tokenize: [],
    detokenize: [],
    generate: ['piece'],
    evalLogits: [],
    negLogLikelihoods: [],
    memoryUsage: [],
    unload: [],
  }));

/** The hook of an event kind: 'progress' -> 'onProgress'. @template {string} K @typedef {`on${Capitalize<K>}`} HookName */

/**
 * The hooks parameter of method M: a callback per event it streams, and the signal that
 * aborts it.
 * @template {EngineMethod} M
 * @typedef {{signal?: AbortSignal} & {[K in (typeof ENGINE_METHOD_EVENTS)[M][number] as HookName<K>]?: (value: EngineEventValues[K]) => void}} EngineHooks
 */

/** Every hook of any method (what a host offers each call). @typedef {EngineHooks<EngineMethod>} AnyHooks */

/** @typedef {{[M in EngineMethod]: [(typeof ENGINE_METHOD_EVENTS)[M][number]] extends [never] ? never : M}[EngineMethod]} StreamingMethod */

/**
 * The arguments of method M as they cross to the worker: its parameters without the hooks.
 * @template {EngineMethod} M
 * @typedef {M extends StreamingMethod ? (Required<Parameters<Engine[M]>> extends [...infer Args, unknown] ? Args : never) : Parameters<Engine[M]>} CallArgs
 */

/** @template {EngineMethod} M @typedef {Awaited<ReturnType<Engine[M]>>} CallResult */

/** @typedef {ReturnType<typeof serializeError>} SerializedError */

/**
 * How each event's value crosses postMessage, both ways.
 * @type {{readonly [K in EngineEventKind]: {encode: (value: EngineEventValues[K]) => EngineEventWireValues[K],
 *   decode: (wire: EngineEventWireValues[K]) => EngineEventValues[K]}}}
 */
const EVENT_WIRE = Object.freeze({
  progress: { encode: (progress) => progress, decode: (wire) => wire },
  warning: {
    encode: serializeError,
    // deserializeError rebuilds the class the worker threw (a SmolLMError: only those are
    // reported as warnings).
    decode: (wire) => /** @type {SmolLMError} */ (deserializeError(wire)),
  },
  piece: { encode: (piece) => piece, decode: (wire) => wire },
});

/** @typedef {{type: 'event', id: number} & WireEvent} EventMessage */
/** @typedef {{[M in EngineMethod]: {type: 'call', id: number, method: M, args: CallArgs<M>}}[EngineMethod]} CallMessage */
/** @typedef {CallMessage | {type: 'abort', id: number}} PageMessage What the page sends. */
/**
 * What the worker sends. A result's type follows from its call's method, which the page
 * knows by the call's id.
 * @typedef {EventMessage | {type: 'result', id: number, value: CallResult<EngineMethod>}
 *   | {type: 'error', id: number, error: SerializedError}} WorkerMessage
 */

/** Every method of Engine, in the table's order. */
export const ENGINE_METHODS = /** @type {readonly EngineMethod[]} */ (Object.freeze(Object.keys(ENGINE_METHOD_EVENTS)));

/**
 * @param {unknown} name
 * @returns {name is EngineMethod}
 */
export function isEngineMethod(name) {
  return typeof name === 'string' && Object.hasOwn(ENGINE_METHOD_EVENTS, name);
}

/**
 * @param {EngineEventKind} kind
 * @returns {HookName<EngineEventKind>}
 */
function hookName(kind) {
  return /** @type {HookName<EngineEventKind>} */ (`on${kind[0].toUpperCase()}${kind.slice(1)}`);
}

/** @typedef {{[K in EngineEventKind]: {kind: K, value: EngineEventWireValues[K]}}[EngineEventKind]} WireEvent */

/**
 * The worker's side: hooks for a call of `method` that post each event it streams, in its
 * wire form, through `post`.
 * @param {EngineMethod} method
 * @param {AbortSignal} signal
 * @param {(event: WireEvent) => void} post
 * @returns {AnyHooks}
 */
export function postingHooks(method, signal, post) {
  /** @type {Record<string, unknown>} */
  const hooks = { signal };
  for (const kind of ENGINE_METHOD_EVENTS[method]) hooks[hookName(kind)] = postingHook(kind, post);
  return hooks;
}

/**
 * @template {EngineEventKind} K
 * @param {K} kind
 * @param {(event: WireEvent) => void} post
 * @returns {(value: EngineEventValues[K]) => void}
 */
function postingHook(kind, post) {
  // A correlated pair (kind, its wire value) that TypeScript sees as two separate unions.
  return (value) => post(/** @type {WireEvent} */ ({ kind, value: EVENT_WIRE[kind].encode(value) }));
}

/**
 * The page's side: hands a posted event to the matching hook of the call's hooks.
 * @param {WireEvent} event
 * @param {AnyHooks} hooks
 */
export function deliverEvent({ kind, value }, hooks) {
  // `kind` and `value` are a correlated pair, which TypeScript sees as two separate unions.
  const { decode } = /** @type {{decode: (wire: unknown) => unknown}} */ (EVENT_WIRE[kind]);
  const hook = /** @type {((value: unknown) => void) | undefined} */ (hooks[hookName(kind)]);
  hook?.(decode(value));
}
