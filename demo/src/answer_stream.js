// One streamed chat request: its text pieces handed on as they come, its streamed tool calls
// assembled, its finish reason kept. An error or a stop ends the stream, not the caller: they
// come back as `failure` / finishReason 'abort', with whatever text arrived before.
import { ToolCallAssembler } from './tool_loop.js';

/**
 * @param {{chat: {completions: {create: (p: object) => Promise<AsyncIterable<any>>}}}} llm
 * @param {object} params the request (stream: true is added)
 * @param {(piece: string, text: string) => void} onPiece each text piece, and the text so far
 * @returns {Promise<{content: string, toolCalls: object[], finishReason: string | null, failure: unknown}>}
 */
export async function streamAnswer(llm, params, onPiece = () => {}) {
  const calls = new ToolCallAssembler();
  let content = '';
  let finishReason = null;
  let failure = null;
  try {
    const stream = await llm.chat.completions.create({ ...params, stream: true });
    for await (const chunk of stream) {
      const choice = chunk.choices?.[0];
      const piece = choice?.delta?.content;
      if (piece) {
        content += piece;
        onPiece(piece, content);
      }
      if (choice?.delta?.tool_calls) calls.push(choice.delta.tool_calls);
      if (choice?.finish_reason) finishReason = choice.finish_reason;
    }
  } catch (error) {
    if (error?.name === 'AbortError') finishReason = 'abort';
    else failure = error;
  }
  if (params.signal?.aborted) finishReason = 'abort';
  return { content, toolCalls: calls.done(), finishReason, failure };
}
