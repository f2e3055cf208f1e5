// Log-probabilities as the package reports them: the engine gives each token's id, raw bytes
// and log-probability (web/bindings.cpp step()); the text and the OpenAI shape are made here.

/**
 * @import { ChatCompletionTokenLogprob, ChoiceLogprobs, TokenLogprob, TopLogprob } from './types.js'
 * @import { WasmTokenLogprob } from './wasm-module-types.js'
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A token's text from its bytes. A token may hold part of a UTF-8 character: a string would
 * hide that behind U+FFFD, so such a token is written `bytes:\xe2\x80`, as OpenAI's API does.
 * @param {number[]} bytes
 * @returns {string}
 */
export function tokenText(bytes) {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return `bytes:${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}`;
  }
}

/** @param {WasmTokenLogprob} t @returns {TopLogprob} */
function topLogprob(t) {
  return { id: t.token, token: tokenText(t.bytes), logprob: t.logprob, bytes: t.bytes };
}

/**
 * @param {WasmTokenLogprob} chosen
 * @param {WasmTokenLogprob[]} top
 * @returns {TokenLogprob}
 */
export function tokenLogprob(chosen, top) {
  return { ...topLogprob(chosen), topLogprobs: top.map(topLogprob) };
}

/**
 * Pieces' log-probabilities in OpenAI's shape (choices[i].logprobs).
 * @param {TokenLogprob[]} logprobs
 * @returns {ChoiceLogprobs}
 */
export function openAiLogprobs(logprobs) {
  /** @type {(t: TopLogprob) => { token: string, logprob: number, bytes: number[] }} */
  const entry = (t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes });
  return {
    content: logprobs.map((t) => /** @type {ChatCompletionTokenLogprob} */ ({ ...entry(t), top_logprobs: t.topLogprobs.map(entry) })),
    refusal: null,
  };
}
