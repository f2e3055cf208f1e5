// A chat that outgrew the context: its oldest whole turns after the leading system messages
// are left out until the rendered prompt leaves room for an answer. A turn starts at a user
// message and runs to the next one (the assistant's answer, tool messages); the newest turn
// always stays. What stays is still in the KV cache after the dropped turns: the engine moves
// it down (a context shift) rather than evaluating it again.
import { ContextLengthError } from './errors.js';

/** @import { ChatMessage } from './types.js' */

/**
 * @typedef {object} FittedChat
 * @property {ChatMessage[]} messages what is sent: the system messages and the newest turns
 * @property {number} dropped messages left out
 * @property {number} tokens the rendered prompt's tokens
 */

/**
 * @param {ChatMessage[]} messages
 * @param {object} options
 * @param {(messages: ChatMessage[]) => Promise<number>} options.countTokens tokens of the
 *   prompt these messages render to
 * @param {number} options.contextSize
 * @param {number} options.reserve tokens left free for the answer when turns are dropped (a
 *   longer answer shifts the context as it goes)
 * @returns {Promise<FittedChat>}
 */
export async function fitChat(messages, { countTokens, contextSize, reserve }) {
  const full = await countTokens(messages);
  const limit = Math.max(1, contextSize - reserve);
  if (full <= limit) return { messages, dropped: 0, tokens: full };

  let head = 0;
  while (head < messages.length && messages[head].role === 'system') head += 1;
  // starts[j]: where the conversation begins when its j oldest turns are dropped.
  /** @type {number[]} */
  const starts = [];
  for (let i = head + 1; i < messages.length; i += 1) {
    if (messages[i].role === 'user') starts.push(i);
  }
  /** @param {number} j */
  const keeping = (j) => [...messages.slice(0, head), ...messages.slice(starts[j])];
  /** @type {Map<number, number>} */
  const counted = new Map();
  /** @param {number} j */
  const count = async (j) => {
    if (!counted.has(j)) counted.set(j, await countTokens(keeping(j)));
    return /** @type {number} */ (counted.get(j));
  };

  const last = starts.length - 1;
  // The newest turn alone does not fit: nothing can be dropped to make room.
  if (last < 0 || await count(last) >= contextSize) {
    const tokens = last < 0 ? full : await count(last);
    throw new ContextLengthError(tokens, contextSize,
      `the system prompt and the newest turn have ${tokens} tokens but the context holds ${contextSize}` +
      ' (older turns were dropped): shorten them or load the model with a larger contextSize');
  }
  // Fewest turns dropped that fit the limit: counts only fall as turns go, so bisect.
  let lo = 0, hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await count(mid) <= limit) hi = mid;
    else lo = mid + 1;
  }
  return { messages: keeping(lo), dropped: starts[lo] - head, tokens: await count(lo) };
}
