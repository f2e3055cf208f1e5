// Reads a generation that may hold tool calls, piece by piece, into what a chat completion
// reports: content text (streamed as it comes, less any tail that might be the start of
// `<tool_call>`) and, at the end, the calls. A call block is reported only when its list is
// whole and valid (the grammar makes it so unless generation was cut: max_tokens, the context,
// a stop string, an abort); a cut or malformed block comes back as content text instead, so
// nothing the model wrote is lost or half-parsed.
import { CALL_OPEN, parseCallList } from './smollm2-tool-format.js';

/**
 * @import { ChatToolCall } from '../types.js'
 * @import { ToolPlan } from './tool-request.js'
 */

/** The length of the longest suffix of `text` that is a proper prefix of `word`. */
function partialSuffix(/** @type {string} */ text, /** @type {string} */ word) {
  for (let n = Math.min(text.length, word.length - 1); n > 0; n--) {
    if (word.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}

export class ToolOutputReader {
  #plan;
  #newId;
  #held = '';       // text not yet reported: a possible start of the trigger, or the call block
  #inBlock;         // the call block has started: everything from here waits for the end
  #forced;

  /**
   * @param {ToolPlan} plan
   * @param {{ forced: boolean, newId: () => string }} options forced: the prompt already ends
   *   with `<tool_call>` (required or named choice), so the whole output is the call list
   */
  constructor(plan, { forced, newId }) {
    this.#plan = plan;
    this.#newId = newId;
    this.#inBlock = forced;
    this.#forced = forced;
  }

  /**
   * Takes a piece of output; returns the content that can be shown now ('' for none).
   * @param {string} text
   * @returns {string}
   */
  push(text) {
    if (this.#inBlock || this.#plan.choice === 'none') {
      if (this.#plan.choice === 'none') return text;
      this.#held += text;
      return '';
    }
    const all = this.#held + text;
    const at = all.indexOf(CALL_OPEN);
    if (at >= 0) {
      this.#inBlock = true;
      this.#held = all.slice(at);
      return all.slice(0, at);
    }
    const keep = partialSuffix(all, CALL_OPEN);
    this.#held = all.slice(all.length - keep);
    return all.slice(0, all.length - keep);
  }

  /**
   * The end of the output: the calls, or the held text as content when there is no whole
   * call list (then `calls` is empty).
   * @returns {{ content: string, calls: ChatToolCall[] }}
   */
  finish() {
    const held = this.#held;
    this.#held = '';
    if (!this.#inBlock) return { content: held, calls: [] };
    // Forced: the prompt held the opening tag, so the held text is the list alone.
    const calls = parseCallList(this.#forced ? held : held.slice(CALL_OPEN.length), this.#plan, this.#newId);
    return calls ? { content: '', calls } : { content: held, calls: [] };
  }
}
