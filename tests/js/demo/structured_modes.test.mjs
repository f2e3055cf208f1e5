// The demo's JSON and Tools modes without a page: the page's tools (results, and failures as
// results, never exceptions), the call line, the JSON reply's reading, the tool round loop
// (required first, then auto, then none: it always ends) and the assembly of streamed calls.
// (tests/browser/demo/demo_structured.test.mjs runs them in the page with a model.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { PAGE_TOOLS, TOOL_NAMES, runToolCall, callLine } from '../../../demo/src/page_tools.js';
import { EVENT_SCHEMA, eventResponseFormat, jsonSystemPrompt, jsonBlock, readJsonReply } from '../../../demo/src/json_mode.js';
import { runToolRounds, toolChoiceFor, ToolCallAssembler, MAX_TOOL_ROUNDS } from '../../../demo/src/tool_loop.js';
import { streamAnswer } from '../../../demo/src/answer_stream.js';
import { MODES } from '../../../demo/src/chat_modes.js';

const call = (name, args, id = `call-${name}`) => ({ id, type: 'function', function: { name, arguments: args } });
const NOW = new Date('2026-12-03T07:15:30Z');

test('the tools are valid OpenAI function tools with schemas ajv compiles', () => {
  const ajv = new Ajv({ strict: true });
  assert.deepEqual(TOOL_NAMES, ['get_current_time', 'random_number', 'get_page_info']);
  for (const tool of PAGE_TOOLS) {
    assert.equal(tool.type, 'function');
    assert.match(tool.function.description, /\w/);
    ajv.compile(tool.function.parameters);
  }
  ajv.compile(EVENT_SCHEMA);
});

test('get_current_time: a time zone, the default one, an unknown one', () => {
  const tokyo = runToolCall(call('get_current_time', '{"timezone":"Asia/Tokyo"}'), { now: () => NOW });
  assert.equal(tokyo.failed, false);
  const value = JSON.parse(tokyo.content);
  assert.equal(value.timezone, 'Asia/Tokyo');
  assert.equal(value.utc, '2026-12-03T07:15:30.000Z');
  assert.match(value.local_time, /Thursday,? 3 December 2026.*16:15:30/);
  const own = JSON.parse(runToolCall(call('get_current_time', '{}'), { now: () => NOW }).content);
  assert.equal(own.timezone, Intl.DateTimeFormat().resolvedOptions().timeZone);
  assert.equal(runToolCall(call('get_current_time', ''), { now: () => NOW }).failed, false, 'no arguments at all: {}');
  const bad = runToolCall(call('get_current_time', '{"timezone":"Mars/Olympus"}'));
  assert.equal(bad.failed, true);
  assert.match(JSON.parse(bad.content).error, /unknown time zone "Mars\/Olympus"/);
});

test('random_number: within the bounds, both included; min above max is an error', () => {
  assert.deepEqual(JSON.parse(runToolCall(call('random_number', '{"min":3,"max":5}'), { random: () => 0 }).content), { number: 3 });
  assert.deepEqual(JSON.parse(runToolCall(call('random_number', '{"min":3,"max":5}'), { random: () => 0.9999 }).content), { number: 5 });
  const swapped = runToolCall(call('random_number', '{"min":9,"max":2}'));
  assert.equal(swapped.failed, true);
  assert.match(swapped.content, /min \(9\) is greater than max \(2\)/);
  assert.equal(runToolCall(call('random_number', '{"min":1.5,"max":2}')).failed, true);
});

test('get_page_info returns what the page says; bad calls become error results', () => {
  const info = runToolCall(call('get_page_info', '{}'), { page: () => ({ model: 'tiny-py' }) });
  assert.deepEqual(JSON.parse(info.content), { model: 'tiny-py' });
  for (const [bad, why] of [
    [call('delete_everything', '{}'), /no tool named "delete_everything"/],
    [call('get_page_info', '{not json'), /not JSON/],
    [call('get_page_info', '[1]'), /must be a JSON object/],
    [call('__proto__', '{}'), /no tool named/],
    [{}, /no tool named ""/],
  ]) {
    const r = runToolCall(bad);
    assert.equal(r.failed, true);
    assert.match(JSON.parse(r.content).error, why);
  }
});

test('the call line', () => {
  assert.equal(callLine(runToolCall(call('random_number', '{"min": 1, "max": 1}'))), 'called random_number({"min":1,"max":1}) → {"number":1}');
  assert.equal(callLine(runToolCall(call('get_page_info', '{}'), { page: () => ({ a: 1 }) })), 'called get_page_info() → {"a":1}');
});

test('JSON mode: the request, the system turn, the reply read back', () => {
  assert.deepEqual(eventResponseFormat(), { type: 'json_schema', json_schema: { name: 'event', schema: EVENT_SCHEMA } });
  assert.match(jsonSystemPrompt(''), /^Extract the event/);
  assert.match(jsonSystemPrompt('  Be brief. '), /^Be brief\.\n\nExtract the event/);
  const ok = readJsonReply('{"title":"Lunch","date":"Friday","place":"the Ritz","people":["Ada"]}', 'stop');
  assert.deepEqual(ok.value, { title: 'Lunch', date: 'Friday', place: 'the Ritz', people: ['Ada'] });
  assert.equal(ok.markdown, '```json\n{\n  "title": "Lunch",\n  "date": "Friday",\n  "place": "the Ritz",\n  "people": [\n    "Ada"\n  ]\n}\n```');
  assert.equal(ok.note, 'Valid JSON, shaped by the event schema.');
  const cut = readJsonReply('{"title":"Lun', 'length');
  assert.equal(cut.value, undefined);
  assert.match(cut.note, /^Not valid JSON: .*max tokens limit.*raise Max tokens/);
  assert.match(readJsonReply('{"a', 'abort').note, /stopped/);
  // A string holding backticks cannot close the fence early.
  assert.equal(jsonBlock('{"a":"```"}'), '````json\n{"a":"```"}\n````');
});

test('tool_choice by round: required, then auto, then none', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => toolChoiceFor(i)), ['required', 'auto', 'auto', 'none', 'none']);
  assert.equal(MAX_TOOL_ROUNDS, 3);
  assert.deepEqual([0, 1].map((i) => toolChoiceFor(i, 1)), ['required', 'none']);
});

test('the round loop: calls run, results go back by id, a model that always calls still ends', async () => {
  const seen = [];
  const results = [];
  // A model that calls whenever it may, and answers in text when it may not.
  const round = async (params, index) => {
    seen.push({ choice: params.tool_choice, messages: params.messages.map((m) => m.role) });
    if (params.tool_choice === 'none') return { content: 'done', toolCalls: [], finishReason: 'stop' };
    return { content: '', toolCalls: [call('random_number', '{"min":1,"max":1}', `call-${index}`)], finishReason: 'tool_calls' };
  };
  const { added, rounds, finishReason } = await runToolRounds({
    round, messages: [{ role: 'user', content: 'hi' }], runTool: (c) => runToolCall(c), onResult: (c, r) => results.push([c.id, r.content]),
  });
  assert.equal(rounds, 3);
  assert.equal(finishReason, 'stop');
  assert.deepEqual(seen.map((s) => s.choice), ['required', 'auto', 'auto', 'none']);
  assert.deepEqual(seen[1].messages, ['user', 'assistant', 'tool']);
  assert.deepEqual(results, [['call-0', '{"number":1}'], ['call-1', '{"number":1}'], ['call-2', '{"number":1}']]);
  assert.deepEqual(added.map((m) => m.role), ['assistant', 'tool', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
  assert.equal(added[0].content, null);
  assert.equal(added[1].tool_call_id, 'call-0');
  assert.equal(added.at(-1).content, 'done');
});

test('the round loop: a text answer ends it; a stopped round runs no calls', async () => {
  const text = await runToolRounds({
    round: async () => ({ content: 'hello', toolCalls: [], finishReason: 'stop' }), messages: [], runTool: () => assert.fail('no call'),
  });
  assert.deepEqual(text, { added: [{ role: 'assistant', content: 'hello' }], finishReason: 'stop', rounds: 0 });
  const stopped = await runToolRounds({
    round: async () => ({ content: '', toolCalls: [call('get_page_info', '{"x')], finishReason: 'abort' }), messages: [], runTool: () => assert.fail('no call'),
  });
  assert.deepEqual(stopped.added, []);
  assert.equal(stopped.finishReason, 'abort');
  await assert.rejects(runToolRounds({ round: async () => { throw new Error('boom'); }, messages: [], runTool: () => ({}) }), /boom/);
});

test('streamed tool calls are assembled by index; text and finish reason kept', async () => {
  const chunks = [
    { choices: [{ delta: { role: 'assistant', content: 'Let me check. ' } }] },
    { choices: [{ delta: { tool_calls: [{ index: 0, id: 'call-a', type: 'function', function: { name: 'get_current_time', arguments: '' } }] } }] },
    { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"timezone":' } }] } }] },
    { choices: [{ delta: { tool_calls: [{ index: 1, id: 'call-b', type: 'function', function: { name: 'get_page_info', arguments: '' } }] } }] },
    { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '"Asia/Tokyo"}' } }] } }] },
    { choices: [{ delta: { tool_calls: [{ index: 1, function: { arguments: '{}' } }] } }] },
    { choices: [{ delta: {}, finish_reason: 'tool_calls' }] },
  ];
  let asked;
  const llm = { chat: { completions: { create: async (p) => { asked = p; return (async function* () { yield* chunks; })(); } } } };
  const pieces = [];
  const r = await streamAnswer(llm, { messages: [], tool_choice: 'auto' }, (piece, all) => pieces.push([piece, all]));
  assert.equal(asked.stream, true);
  assert.deepEqual(pieces, [['Let me check. ', 'Let me check. ']]);
  assert.equal(r.content, 'Let me check. ');
  assert.equal(r.finishReason, 'tool_calls');
  assert.equal(r.failure, null);
  assert.deepEqual(r.toolCalls, [call('get_current_time', '{"timezone":"Asia/Tokyo"}', 'call-a'), call('get_page_info', '{}', 'call-b')]);
  const assembler = new ToolCallAssembler();
  assembler.push(undefined);
  assert.deepEqual(assembler.done(), []);
});

test('streamAnswer: an error or a stop ends the stream, not the caller', async () => {
  const refused = Object.assign(new Error('tools: this model cannot make tool calls (x)'), { name: 'InvalidArgumentError' });
  const failing = { chat: { completions: { create: async () => { throw refused; } } } };
  const r = await streamAnswer(failing, {});
  assert.equal(r.failure, refused);
  const controller = new AbortController();
  const stopping = {
    chat: { completions: { create: async () => (async function* () {
      yield { choices: [{ delta: { content: 'par' } }] };
      controller.abort();
      throw new DOMException('aborted', 'AbortError');
    })() } },
  };
  const s = await streamAnswer(stopping, { signal: controller.signal });
  assert.deepEqual([s.content, s.finishReason, s.failure], ['par', 'abort', null]);
});

test('every mode has a placeholder; JSON and Tools explain themselves', () => {
  assert.deepEqual(Object.keys(MODES), ['chat', 'json', 'tools']);
  for (const mode of Object.values(MODES)) assert.ok(mode.placeholder);
  assert.match(MODES.json.hint, /JSON/);
  for (const name of TOOL_NAMES) assert.ok(MODES.tools.hint.includes(name));
});
