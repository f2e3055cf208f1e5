// The JSON mode: the visitor's text goes out with a JSON schema as `response_format`, so the
// package's grammar makes the model write an object valid against it (an event: title, date,
// place, people), which the page then parses and shows pretty-printed as a code block.
// Strings and the list have maximum lengths so even a model that rambles ends its object
// within a few hundred tokens.

export const EVENT_SCHEMA = Object.freeze({
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 80 },
    date: { type: 'string', maxLength: 40 },
    place: { type: 'string', maxLength: 60 },
    people: { type: 'array', items: { type: 'string', maxLength: 40 }, maxItems: 6 },
  },
  required: ['title', 'date', 'place', 'people'],
  additionalProperties: false,
});

// The model does not see the schema through response_format (only the sampler does), so the
// system turn says what to extract.
export const JSON_INSTRUCTION = 'Extract the event described in the message as a JSON object with its title, ' +
  'date, place and the people taking part (empty text or an empty list for what the message does not say). ' +
  'Answer with the JSON object only.';

export function eventResponseFormat() {
  return { type: 'json_schema', json_schema: { name: 'event', schema: EVENT_SCHEMA } };
}

/** The system turn of a JSON request: the visitor's own system prompt, then the instruction. */
export function jsonSystemPrompt(systemPrompt = '') {
  const own = systemPrompt.trim();
  return own ? `${own}\n\n${JSON_INSTRUCTION}` : JSON_INSTRUCTION;
}

/** Text as a fenced JSON code block (a fence longer than any run of backticks inside). */
export function jsonBlock(text) {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}json\n${text}\n${fence}`;
}

/**
 * The finished reply: parsed and pretty-printed, or why not (cut by the max tokens limit,
 * stopped). @returns {{value?: unknown, markdown: string, note: string}}
 */
export function readJsonReply(text, finishReason) {
  try {
    const value = JSON.parse(text);
    return { value, markdown: jsonBlock(JSON.stringify(value, null, 2)), note: 'Valid JSON, shaped by the event schema.' };
  } catch {
    const why = finishReason === 'length' ? 'the answer reached the max tokens limit before the object closed: raise Max tokens'
      : finishReason === 'abort' ? 'the answer was stopped before the object closed'
        : 'the text is not complete JSON';
    return { markdown: jsonBlock(text), note: `Not valid JSON: ${why}.` };
  }
}
