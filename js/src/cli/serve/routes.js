// /v1/chat/completions and /v1/completions on a SmolLM: validated request in, OpenAI-shaped
// answer out (JSON, or server-sent events for `stream: true`). `ctx` carries the model, the
// response, the client's abort signal, its prompt-cache key and the CORS headers.
import { toOpenAi } from '../../options/openai.js';
import { validateChatRequest, validateCompletionRequest } from './validate.js';
import { sendJson, toHttpFailure } from './http-errors.js';
import { startSse } from './sse.js';

/** @typedef {import('./server.js').RouteContext} RouteContext */
/** @typedef {NonNullable<import('../../smollm.js').SmolLM['stats']>} GenerationStats */

/** @param {string} prefix */
function randomId(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 12)}`;
}

// Runs a generation's stream of chunks: SSE when asked, and once the stream has started a
// failure becomes an error event plus [DONE] (see sse.js) instead of a silent end.
/**
 * @param {RouteContext} ctx
 * @param {AsyncIterable<object>} chunks
 * @param {string} promptParam
 */
async function streamOut(ctx, chunks, promptParam) {
  const sse = startSse(ctx.res, ctx.cors);
  try {
    for await (const chunk of chunks) sse.send(chunk);
    sse.end();
  } catch (error) {
    if (/** @type {Error} */ (error)?.name === 'AbortError') {
      ctx.res.destroy();
      return;
    }
    ctx.onFailure(error);
    sse.fail(toHttpFailure(error, promptParam));
  }
}

// The first `count` items of a stream, awaited before the answer's 200 goes out (so what fails
// there, a prompt that does not fit or a grammar the engine refuses, still gets its plain
// 4xx/5xx), then the stream replayed whole; ended early, it closes the source.
/**
 * @template T
 * @param {AsyncIterable<T>} stream
 * @param {number} count
 * @returns {Promise<AsyncGenerator<T>>}
 */
async function afterFirst(stream, count) {
  const source = stream[Symbol.asyncIterator]();
  /** @type {T[]} */
  const head = [];
  while (head.length < count) {
    const step = await source.next();
    if (step.done) break;
    head.push(step.value);
  }
  return (async function* replay() {
    try {
      yield* head;
      for (let step = await source.next(); !step.done; step = await source.next()) yield step.value;
    } finally {
      await source.return?.();
    }
  })();
}

/** @param {RouteContext} ctx @param {unknown} body */
export async function chatCompletions(ctx, body) {
  const { messages, stream, tools, tool_choice, parallel_tool_calls, ...generation } = validateChatRequest(body);
  // create() takes OpenAI names: the checked fields go back under them (the table's mapping).
  const params = {
    ...toOpenAi(generation), messages, tools, tool_choice, parallel_tool_calls, model: ctx.modelId, signal: ctx.signal, cacheKey: ctx.cacheKey,
  };
  if (!stream) {
    const completion = await ctx.llm.chat.completions.create(params);
    sendJson(ctx.res, 200, completion, ctx.cors);
    return;
  }
  // create() renders the template and checks the prompt before it returns; the engine checks
  // the grammar or schema when the run starts. The role chunk comes at once, the next one once
  // the engine took the request.
  const chunks = await ctx.llm.chat.completions.create({ ...params, stream: true });
  await streamOut(ctx, await afterFirst(chunks, 2), 'messages');
}

/** @param {RouteContext} ctx @param {unknown} body */
export async function completions(ctx, body) {
  const { prompt, stream, ...options } = validateCompletionRequest(body);
  const id = randomId('cmpl');
  const created = Math.floor(Date.now() / 1000);
  /**
   * @param {string} text
   * @param {string | null} finishReason
   * @param {object} [usage]
   */
  const object = (text, finishReason, usage) => ({
    id, object: 'text_completion', created, model: ctx.modelId,
    choices: [{ index: 0, text, finish_reason: finishReason, logprobs: null }], ...(usage ? { usage } : {}),
  });
  const usageOf = (/** @type {GenerationStats | null} */ s) => ({
    prompt_tokens: s?.promptTokens ?? 0, completion_tokens: s?.completionTokens ?? 0,
    total_tokens: (s?.promptTokens ?? 0) + (s?.completionTokens ?? 0),
    prompt_tokens_details: { cached_tokens: s?.reusedTokens ?? 0 },
  });
  const { llm } = ctx;
  const pieces = llm.generate(prompt, { ...options, signal: ctx.signal, cacheKey: ctx.cacheKey });
  if (!stream) {
    let text = '';
    for await (const piece of pieces) text += piece.text;
    sendJson(ctx.res, 200, object(text, llm.stats?.finishReason ?? 'length', usageOf(llm.stats)), ctx.cors);
    return;
  }
  // The first piece comes after the prompt was checked and evaluated.
  const checked = await afterFirst(pieces, 1);
  await streamOut(ctx, (async function* chunks() {
    for await (const piece of checked) {
      if (piece.text) yield object(piece.text, null);
    }
    yield object('', llm.stats?.finishReason ?? 'length', usageOf(llm.stats));
  })(), 'prompt');
}
