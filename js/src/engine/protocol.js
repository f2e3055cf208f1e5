// Page <-> worker messages, defined once. The worker exposes the engine interface
// (LocalEngine's methods); every call carries an id, and a call may stream events back.
//
//   page -> worker   {type: 'call', id, method, args}     method in ENGINE_METHODS
//                    {type: 'abort', id}                   abort that call (its AbortSignal)
//   worker -> page   {type: 'event', id, event}            load: {kind: 'progress', progress}
//                                                                 {kind: 'warning', error}
//                                                          generate: {kind: 'piece', piece}
//                    {type: 'result', id, value}
//                    {type: 'error', id, error}            error = serializeError(...)
//                    {type: 'fatal', error}                the worker cannot go on

export const ENGINE_METHODS = Object.freeze([
  'load', 'info', 'renderChat', 'tokenize', 'detokenize', 'generate', 'evalLogits',
  'negLogLikelihoods', 'memoryUsage', 'unload',
]);

// Methods whose last argument is an options bag with callbacks/signal, rebuilt on each side.
export const STREAMING_METHODS = Object.freeze({
  load: ['progress', 'warning'],
  generate: ['piece'],
});
