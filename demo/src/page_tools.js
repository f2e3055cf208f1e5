// The page's own tools for the Tools mode: harmless functions the model may call, declared in
// OpenAI's `tools` shape and run here in the tab. Their arguments arrive valid against these
// schemas (the package's grammar holds the model to them), but every value is still checked,
// and a failure becomes the tool's result (`{"error": ...}`) for the model to read, never an
// exception. The clock, the random source and the page's facts are injectable, for tests.

export const PAGE_TOOLS = Object.freeze([
  {
    type: 'function',
    function: {
      name: 'get_current_time',
      description: "The current date and time, in a time zone (the visitor's own when none is given)",
      parameters: {
        type: 'object',
        properties: {
          timezone: { type: 'string', maxLength: 40, description: 'An IANA time zone, e.g. Europe/Paris or America/New_York' },
        },
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'random_number',
      description: 'A random whole number from min to max, both included',
      parameters: {
        type: 'object',
        properties: {
          min: { type: 'integer', minimum: -1000000, maximum: 1000000 },
          max: { type: 'integer', minimum: -1000000, maximum: 1000000 },
        },
        required: ['min', 'max'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_page_info',
      description: 'Facts about this page: its title, the model loaded, the browser language, the number of messages',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    },
  },
]);

export const TOOL_NAMES = PAGE_TOOLS.map((t) => t.function.name);

const DEFAULT_ENV = {
  now: () => new Date(),
  random: () => Math.random(),
  page: () => ({}),
};

function currentTime({ timezone }, env) {
  if (timezone !== undefined && typeof timezone !== 'string') return { error: 'timezone must be a string' };
  const zone = timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  let format;
  try {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'full', timeStyle: 'long' });
  } catch {
    return { error: `unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Paris` };
  }
  const now = env.now();
  return { timezone: format.resolvedOptions().timeZone, local_time: format.format(now), utc: now.toISOString() };
}

function randomNumber({ min, max }, env) {
  if (!Number.isInteger(min) || !Number.isInteger(max)) return { error: 'min and max must be whole numbers' };
  if (min > max) return { error: `min (${min}) is greater than max (${max})` };
  return { number: min + Math.floor(env.random() * (max - min + 1)) };
}

const RUNNERS = {
  get_current_time: currentTime,
  random_number: randomNumber,
  get_page_info: (_args, env) => env.page(),
};

/**
 * Runs one tool call ({function: {name, arguments}}, arguments as JSON text).
 * @returns {{name: string, args: string, content: string, failed: boolean}} content: the
 *   result as JSON text, what goes back to the model as the tool message.
 */
export function runToolCall(call, env = {}) {
  const name = call?.function?.name ?? '';
  const argsText = call?.function?.arguments || '{}';
  const context = { ...DEFAULT_ENV, ...env };
  let result;
  let args = null;
  try {
    args = JSON.parse(argsText);
  } catch {
    result = { error: `the arguments are not JSON: ${argsText}` };
  }
  if (!result) {
    if (!Object.hasOwn(RUNNERS, name)) result = { error: `no tool named ${JSON.stringify(name)} on this page` };
    else if (!args || typeof args !== 'object' || Array.isArray(args)) result = { error: 'the arguments must be a JSON object' };
    else result = RUNNERS[name](args, context);
  }
  return {
    name,
    args: args && typeof args === 'object' ? JSON.stringify(args) : argsText,
    content: JSON.stringify(result),
    failed: Object.hasOwn(result, 'error'),
  };
}

/** The compact line the chat shows for a call: `called NAME(ARGS) → RESULT`. */
export function callLine({ name, args, content }) {
  return `called ${name}(${args === '{}' ? '' : args}) → ${content}`;
}
