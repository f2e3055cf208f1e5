// SmolLM2's tool format without a model: the request's tool fields checked into a plan, the
// messages turned into the trained turns (tools in the system turn, calls as
// <tool_call>[...]</tool_call>, results as <tool_response> user turns), the call list's schema
// (checked with ajv: it accepts exactly the calls the plan allows), and model output read back,
// including cut and malformed output under `auto`, piece by piece as a stream reads it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { InvalidArgumentError } from '../../../js/src/errors.js';
import { toolPlan } from '../../../js/src/tools/tool-request.js';
import { callListSchema, parseCallList, toolSystemPrompt, toolTurns } from '../../../js/src/tools/smollm2-tool-format.js';
import { ToolOutputReader } from '../../../js/src/tools/tool-output.js';
import { toolSchemaError } from '../../../js/src/tools/tool-errors.js';

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } }, required: ['city'], additionalProperties: false },
  },
};
const TIME = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {}, additionalProperties: false } } };
const TOOLS = [WEATHER, TIME];

let n = 0;
const newId = () => `call_${++n}`;

describe('tool plan', () => {
  test('defaults: auto with tools, none without; parallel on', () => {
    assert.deepEqual(toolPlan({}), { tools: [], choice: 'none', parallel: true });
    const plan = toolPlan({ tools: TOOLS });
    assert.equal(plan.choice, 'auto');
    assert.deepEqual(plan.tools.map((t) => t.name), ['get_weather', 'get_time']);
    assert.equal(toolPlan({ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_time' } }, parallel_tool_calls: false }).parallel, false);
    assert.deepEqual(toolPlan({ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_time' } } }).choice, { name: 'get_time' });
    // A tool without parameters takes any object.
    assert.deepEqual(toolPlan({ tools: [{ type: 'function', function: { name: 'f' } }] }).tools[0].parameters, { type: 'object' });
  });

  test('bad tool fields are errors that start with the field at fault', () => {
    const cases = [
      [{ tools: [] }, 'tools '],
      [{ tools: 'x' }, 'tools '],
      [{ tools: [{ type: 'code' }] }, 'tools[0].type '],
      [{ tools: [{ type: 'function', function: { name: 'bad name' } }] }, 'tools[0].function.name '],
      [{ tools: [WEATHER, { type: 'function', function: { name: 'get_weather' } }] }, 'tools[1].function.name '],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }, 'tools[0].function.parameters.type '],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }, 'tools[0].function.parameters '],
      [{ tools: [{ type: 'function', function: { name: 'f', extra: 1 } }] }, 'tools[0].function.extra '],
      [{ tools: TOOLS, tool_choice: 'always' }, 'tool_choice '],
      [{ tool_choice: 'required' }, 'tool_choice '],
      [{ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name '],
      [{ tools: TOOLS, parallel_tool_calls: 'yes' }, 'parallel_tool_calls '],
    ];
    for (const [params, prefix] of cases) {
      assert.throws(() => toolPlan(params), (e) => e instanceof InvalidArgumentError && e.message.startsWith(prefix), JSON.stringify(params));
    }
  });
});

describe('prompt turns', () => {
  test('the tools go into the system turn, before the caller\'s own system text', () => {
    const plan = toolPlan({ tools: TOOLS });
    const turns = toolTurns([{ role: 'user', content: 'Weather in Paris?' }], plan);
    assert.equal(turns.length, 2);
    assert.equal(turns[0].role, 'system');
    assert.equal(turns[0].content, toolSystemPrompt(plan.tools));
    const listed = JSON.parse(/<tools>(.*)<\/tools>/s.exec(turns[0].content)[1]);
    assert.deepEqual(listed.map((t) => t.name), ['get_weather', 'get_time']);
    assert.deepEqual(listed[0].parameters, WEATHER.function.parameters);
    assert.match(turns[0].content, /<tool_call>\[\n\{"name": "func_name1", "arguments": \{/);
    const withSystem = toolTurns([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], plan);
    assert.equal(withSystem.length, 2);
    assert.ok(withSystem[0].content.startsWith(toolSystemPrompt(plan.tools)) && withSystem[0].content.endsWith('\n\nBe brief.'));
    // tool_choice none: the tools are not offered.
    assert.deepEqual(toolTurns([{ role: 'user', content: 'hi' }], toolPlan({ tools: TOOLS, tool_choice: 'none' })), [{ role: 'user', content: 'hi' }]);
  });

  test('a round trip: calls as <tool_call>[...]</tool_call>, results as one user turn of <tool_response> blocks', () => {
    const plan = toolPlan({ tools: TOOLS });
    const turns = toolTurns([
      { role: 'user', content: 'Weather in Paris and the time?' },
      {
        role: 'assistant', content: null, tool_calls: [
          { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: '{"temp":21}' },
      { role: 'tool', tool_call_id: 'b', content: '12:00' },
    ], plan);
    assert.deepEqual(turns.slice(1), [
      { role: 'user', content: 'Weather in Paris and the time?' },
      { role: 'assistant', content: '<tool_call>[{"name":"get_weather","arguments":{"city":"Paris"}},\n{"name":"get_time","arguments":{}}]</tool_call>' },
      { role: 'user', content: '<tool_response>\n{"temp":21}\n</tool_response>\n<tool_response>\n12:00\n</tool_response>' },
    ]);
  });

  test('bad history messages are errors naming the message', () => {
    const plan = toolPlan({ tools: TOOLS });
    const call = { id: 'a', type: 'function', function: { name: 'get_time', arguments: '{}' } };
    const cases = [
      [[{ role: 'tool', tool_call_id: 'a', content: 'x' }], /^messages\[0\]\.tool_call_id "a" answers no call/],
      [[{ role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', content: 'x' }], /^messages\[1\]\.tool_call_id must be/],
      [[{ role: 'assistant', content: null, tool_calls: [{ ...call, function: { name: 'f', arguments: '{' } }] }], /^messages\[0\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/],
      [[{ role: 'assistant', content: null, tool_calls: [{ ...call, function: { name: 'f', arguments: {} } }] }], /^messages\[0\]\.tool_calls\[0\]\.function\.arguments must be/],
      [[{ role: 'user', content: 'x', tool_calls: [call] }], /^messages\[0\]\.tool_calls: only assistant/],
      [[{ role: 'user', content: null }], /^messages\[0\]\.content must be a string/],
      [[], /^messages must be/],
    ];
    for (const [messages, pattern] of cases) {
      assert.throws(() => toolTurns(messages, plan), (e) => e instanceof InvalidArgumentError && pattern.test(e.message), JSON.stringify(messages));
    }
    // A result answers each call once.
    assert.throws(() => toolTurns([
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'a', content: '1' }, { role: 'tool', tool_call_id: 'a', content: '2' },
    ], plan), /messages\[2\]\.tool_call_id "a" answers no call/);
  });
});

describe('call list schema', () => {
  const ajv = new Ajv({ strict: false });
  const call = (name, args) => ({ name, arguments: args });
  const paris = call('get_weather', { city: 'Paris' });
  test('auto: any number of calls to the tools, each valid against its tool', () => {
    const check = ajv.compile(callListSchema(toolPlan({ tools: TOOLS })));
    assert.ok(check([]));
    assert.ok(check([paris, call('get_time', {})]));
    assert.ok(!check([call('get_weather', { town: 'Paris' })]), 'argument not in the schema');
    assert.ok(!check([call('get_weather', {})]), 'required argument missing');
    assert.ok(!check([call('get_weather', { city: 'Paris', unit: 'k' })]), 'enum');
    assert.ok(!check([call('rm', {})]), 'unknown tool');
    assert.ok(!check([{ ...paris, extra: 1 }]));
  });
  test('required: at least one; named: only that one; no parallel calls: at most one', () => {
    assert.ok(!ajv.compile(callListSchema(toolPlan({ tools: TOOLS, tool_choice: 'required' })))([]));
    const named = ajv.compile(callListSchema(toolPlan({ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_weather' } } })));
    assert.ok(named([paris]) && !named([call('get_time', {})]) && !named([]));
    const single = ajv.compile(callListSchema(toolPlan({ tools: TOOLS, tool_choice: 'required', parallel_tool_calls: false })));
    assert.ok(single([paris]) && !single([paris, paris]));
  });
});

describe('reading the model\'s output', () => {
  const plan = toolPlan({ tools: TOOLS });
  test('a whole call list gives calls with ids and arguments as JSON text', () => {
    const calls = parseCallList('[\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n] </tool_call>\n', plan, newId);
    assert.equal(calls.length, 1);
    assert.match(calls[0].id, /^call_/);
    assert.deepEqual(calls[0].function, { name: 'get_weather', arguments: '{"city":"Paris"}' });
    assert.deepEqual(parseCallList('[]', plan, newId), []);
  });
  test('malformed lists are not calls', () => {
    for (const text of ['[{"name": "get_weather", "arguments": {"city": "Pa', '{"name": "get_time", "arguments": {}}',
      '[{"name": "rm", "arguments": {}}]', '[{"name": "get_time", "arguments": "{}"}]', '[{"arguments": {}}]', '[1]', '',
      '[{"name": "get_time", "arguments": {}}] and more']) {
      assert.equal(parseCallList(text, plan, newId), null, text);
    }
  });

  /** Pieces through a reader: the content it shows as it goes, and its end. */
  const read = (pieces, forced) => {
    const reader = new ToolOutputReader(plan, { forced, newId });
    let shown = '';
    for (const p of pieces) shown += reader.push(p);
    return { shown, ...reader.finish() };
  };

  test('auto: text before <tool_call> streams, the tag split over pieces is held back, the block becomes calls', () => {
    const r = read(['Let me check. <to', 'ol_c', 'all>[{"name": "get_time", ', '"arguments": {}}]'], false);
    assert.equal(r.shown, 'Let me check. ');
    assert.equal(r.content, '');
    assert.deepEqual(r.calls.map((c) => c.function), [{ name: 'get_time', arguments: '{}' }]);
  });
  test('auto: a plain answer is all content, including a "<" that turned out not to be the tag', () => {
    const r = read(['It is 3 <', ' 4 and <tool', 's> done'], false);
    assert.equal(r.shown + r.content, 'It is 3 < 4 and <tools> done');
    assert.deepEqual(r.calls, []);
    const end = read(['ends with <tool_c'], false);
    assert.equal(end.shown + end.content, 'ends with <tool_c');
  });
  test('auto: a cut or malformed block comes back as content text, never half a call', () => {
    const r = read(['ok <tool_call>[{"name": "get_weather", "arguments": {"ci'], false);
    assert.equal(r.shown, 'ok ');
    assert.equal(r.content, '<tool_call>[{"name": "get_weather", "arguments": {"ci');
    assert.deepEqual(r.calls, []);
    assert.deepEqual(read(['<tool_call>[]'], false), { shown: '', content: '', calls: [] });
  });
  test('forced (required / named): the whole output is the list', () => {
    const r = read(['[{"name": "get_weather", "arguments": {"city": "Oslo"}}', ',{"name": "get_time", "arguments": {}}]'], true);
    assert.equal(r.shown, '');
    assert.deepEqual(r.calls.map((c) => c.function.name), ['get_weather', 'get_time']);
    assert.notEqual(r.calls[0].id, r.calls[1].id);
    assert.deepEqual(read(['[{"name": "get_weather"'], true), { shown: '', content: '[{"name": "get_weather"', calls: [] });
  });
  test('tool_choice none: everything is content, <tool_call> included', () => {
    const reader = new ToolOutputReader(toolPlan({ tools: TOOLS, tool_choice: 'none' }), { forced: false, newId });
    assert.equal(reader.push('<tool_call>[]'), '<tool_call>[]');
    assert.deepEqual(reader.finish(), { content: '', calls: [] });
  });
});

test('a schema error of a tool names the tool, not the call list', () => {
  const plan = toolPlan({ tools: TOOLS });
  const e = toolSchemaError(new InvalidArgumentError("jsonSchema: JSON schema #/items/anyOf/1/properties/arguments/properties/x: unsupported keyword 'uniqueItems'"), plan);
  assert.equal(e.message, "tools[1].function.parameters at #/properties/x: unsupported keyword 'uniqueItems'");
  const named = toolPlan({ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_time' } } });
  assert.equal(toolSchemaError(new InvalidArgumentError('jsonSchema: JSON schema #/items/properties/arguments: bad'), named).message,
    'tools[1].function.parameters: bad');
  const other = new InvalidArgumentError('topK must be an integer');
  assert.equal(toolSchemaError(other, plan), other);
});

describe('serve: tool fields and tool messages in a request body', async () => {
  const { validateChatRequest } = await import('../../../js/src/cli/serve/validate.js');
  const { toHttpFailure } = await import('../../../js/src/cli/serve/http-errors.js');
  const call = { id: 'a', type: 'function', function: { name: 'get_time', arguments: '{}' } };
  test('pass on under their own names, tool messages with their ids', () => {
    const v = validateChatRequest({
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: '12:00' }] }],
      tools: TOOLS, tool_choice: 'required', parallel_tool_calls: false,
    });
    assert.deepEqual(v.tools, TOOLS);
    assert.equal(v.tool_choice, 'required');
    assert.equal(v.parallel_tool_calls, false);
    assert.deepEqual(v.messages[1], { role: 'assistant', content: null, tool_calls: [call] });
    assert.deepEqual(v.messages[2], { role: 'tool', content: '12:00', tool_call_id: 'a' });
  });
  test('bad ones are 400s whose param names the field', () => {
    const cases = [
      [{ tools: [{ type: 'function', function: { name: 'a b' } }] }, 'tools[0].function.name'],
      [{ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'x' } } }, 'tool_choice.function.name'],
      [{ tool_choice: 'auto' }, 'tool_choice'],
      [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
      [{ messages: [{ role: 'user', content: 'x', tool_call_id: 'a' }] }, 'messages[0].tool_call_id'],
      [{ messages: [{ role: 'user', content: 'x', tool_calls: [call] }] }, 'messages[0].tool_calls'],
    ];
    for (const [extra, param] of cases) {
      assert.throws(() => validateChatRequest({ messages: [{ role: 'user', content: 'hi' }], ...extra }),
        (e) => e.status === 400 && e.param === param, JSON.stringify(extra));
    }
    // Errors found later (turning the history into the format) keep the param too.
    const later = toHttpFailure(new InvalidArgumentError('messages[3].tool_call_id "x" answers no call of the assistant message before it'), 'messages');
    assert.equal(later.status, 400);
    assert.equal(later.param, 'messages[3].tool_call_id');
    assert.equal(toHttpFailure(new InvalidArgumentError('topK must be'), 'messages').param, null);
  });
});
