// The demo's Markdown parser: model answers become a plain tree, never HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMarkdown, parseInline } from '../../../demo/src/markdown_parse.js';

test('fenced code keeps its text verbatim, including markup', () => {
  const blocks = parseMarkdown('Here:\n```python\ndef f(x):\n    return "<b>" + x\n```\nDone.');
  assert.deepEqual(blocks.map((b) => b.type), ['paragraph', 'code', 'paragraph']);
  assert.equal(blocks[1].lang, 'python');
  assert.equal(blocks[1].text, 'def f(x):\n    return "<b>" + x');
  assert.equal(blocks[1].closed, true);
});

test('an unclosed fence while streaming is an open code block', () => {
  const blocks = parseMarkdown('```js\nconst a = 1;');
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0].type, 'code');
  assert.equal(blocks[0].closed, false);
  assert.equal(blocks[0].text, 'const a = 1;');
});

test('HTML in text stays text', () => {
  const [p] = parseMarkdown('<img src=x onerror="alert(1)"> <script>alert(2)</script>');
  assert.equal(p.type, 'paragraph');
  assert.deepEqual(p.children, [{ type: 'text', text: '<img src=x onerror="alert(1)"> <script>alert(2)</script>' }]);
});

test('only http(s) and mailto links get a target', () => {
  const inl = parseInline('[ok](https://example.com/a) [bad](javascript:alert(1)) [d](data:text/html,x)');
  const links = inl.filter((n) => n.type === 'link');
  assert.equal(links.length, 1);
  assert.equal(links[0].href, 'https://example.com/a');
  const text = JSON.stringify(inl);
  assert.ok(!text.includes('javascript:alert'));
  assert.ok(!text.includes('data:text'));
});

test('emphasis, strong, inline code and escapes', () => {
  assert.deepEqual(parseInline('a **b** *c* `d*e` \\*f\\*'), [
    { type: 'text', text: 'a ' },
    { type: 'strong', children: [{ type: 'text', text: 'b' }] },
    { type: 'text', text: ' ' },
    { type: 'em', children: [{ type: 'text', text: 'c' }] },
    { type: 'text', text: ' ' },
    { type: 'code', text: 'd*e' },
    { type: 'text', text: ' *f*' },
  ]);
  // Python identifiers are not emphasis; a half-streamed "**bold" stays literal.
  assert.deepEqual(parseInline('my_var_name'), [{ type: 'text', text: 'my_var_name' }]);
  assert.deepEqual(parseInline('def __init__(self): _x_ __y__'), [{ type: 'text', text: 'def __init__(self): _x_ __y__' }]);
  assert.deepEqual(parseInline('**bold'), [{ type: 'text', text: '**bold' }]);
});

test('headings, lists (nested, ordered with start), quotes and rules', () => {
  const blocks = parseMarkdown('# Title\n\n- a\n- b\n  - b1\n\n3. x\n4. y\n\n> quoted\n\n---');
  assert.deepEqual(blocks.map((b) => b.type), ['heading', 'list', 'list', 'blockquote', 'hr']);
  assert.equal(blocks[0].level, 1);
  assert.equal(blocks[1].ordered, false);
  assert.equal(blocks[1].items.length, 2);
  assert.equal(blocks[1].items[1][1].type, 'list');
  assert.equal(blocks[2].ordered, true);
  assert.equal(blocks[2].start, 3);
});

test('unfenced code keeps its indentation', () => {
  const [p] = parseMarkdown('def f():\n    return 1');
  assert.deepEqual(p.children, [{ type: 'text', text: 'def f():' }, { type: 'br' }, { type: 'text', text: '    return 1' }]);
});

test('doctest prompts are text, not quotes', () => {
  const blocks = parseMarkdown('>>> import os\n... x = 1\n>>>\n> real quote');
  assert.deepEqual(blocks.map((b) => b.type), ['paragraph', 'blockquote']);
  assert.equal(blocks[0].children[0].text, '>>> import os');
});

test('deeply nested input does not blow the stack', () => {
  const deep = '> '.repeat(5000) + 'x';
  assert.doesNotThrow(() => parseMarkdown(deep));
  const stars = '*'.repeat(20000);
  assert.doesNotThrow(() => parseInline(stars));
});
