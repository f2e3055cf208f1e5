// The Tools mode's round trips: ask with the page's tools, run the calls the model makes, send
// their results back as `tool` messages, and ask again until the model answers in text. The
// first round requires a call (the mode is there to show one); later rounds leave the choice
// to the model, and after `maxRounds` rounds of calls the last request offers no call
// (tool_choice 'none'), so a model that keeps calling still ends with an answer.
// `round(params)` makes one streamed request and returns what it assembled; the view is its
// business (app.js), which keeps this loop testable without a page.

export const MAX_TOOL_ROUNDS = 3;

export function toolChoiceFor(roundIndex, maxRounds = MAX_TOOL_ROUNDS) {
  if (roundIndex === 0) return 'required';
  return roundIndex < maxRounds ? 'auto' : 'none';
}

/**
 * @param {{round: (params: {messages: object[], tool_choice: string}, index: number) =>
 *   Promise<{content: string, toolCalls: object[], finishReason: string | null}>,
 *   messages: object[], runTool: (call: object) => {content: string}, onResult?: (call: object, result: object) => void,
 *   maxRounds?: number}} options
 * @returns {Promise<{added: object[], finishReason: string | null, rounds: number}>} added:
 *   the assistant and tool messages to keep in the history, in order.
 */
export async function runToolRounds({ round, messages, runTool, onResult, maxRounds = MAX_TOOL_ROUNDS }) {
  const added = [];
  for (let index = 0; ; index++) {
    const tool_choice = toolChoiceFor(index, maxRounds);
    const reply = await round({ messages: [...messages, ...added], tool_choice }, index);
    const calls = tool_choice === 'none' ? [] : reply.toolCalls;
    if (!calls.length || reply.finishReason === 'abort') {
      if (reply.content) added.push({ role: 'assistant', content: reply.content });
      return { added, finishReason: reply.finishReason, rounds: index };
    }
    added.push({ role: 'assistant', content: reply.content || null, tool_calls: calls });
    for (const call of calls) {
      const result = runTool(call);
      onResult?.(call, result);
      added.push({ role: 'tool', tool_call_id: call.id, content: result.content });
    }
  }
}

/** Assembles streamed `delta.tool_calls` pieces (by index: id and name, then arguments). */
export class ToolCallAssembler {
  calls = [];

  push(deltas) {
    for (const d of deltas ?? []) {
      const at = Number.isInteger(d.index) ? d.index : this.calls.length;
      const call = (this.calls[at] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.function.name += d.function.name;
      if (d.function?.arguments) call.function.arguments += d.function.arguments;
    }
  }

  done() {
    return this.calls.filter(Boolean);
  }
}
