// The demo's Markdown rules on top of markdown-it (demo/src/markdown_parse.js): model answers
// become tokens, never HTML; links only to http(s) and mailto; `_` is never emphasis
// (__init__); ">>>" is a doctest prompt, not a quote; paragraphs keep their indentation.
// markdown_dom.test.mjs checks the DOM built from these tokens in real browsers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMarkdown, fenceClosed } from '../../../demo/src/markdown_parse.js';

// Block tokens' types, containers by their open token (e.g. "paragraph", "fence").
const blockTypes = (source) => parseMarkdown(source).tokens.filter((t) => t.level === 0 && t.nesting !== -1).map((t) => t.type.replace(/_open$/, ''));
// The inline tokens of the n-th inline block, as [type, content] pairs.
const inlines = (source, n = 0) => parseMarkdown(source).tokens.filter((t) => t.type === 'inline')[n].children.map((c) => [c.type, c.content]);
const inlineText = (source, n = 0) => inlines(source, n).map(([, content]) => content).join('');

test('fenced code keeps its text verbatim, including markup, and knows when its fence closed', () => {
  const { tokens, lines } = parseMarkdown('Here:\n```python\ndef f(x):\n    return "<b>" + x\n```\nDone.');
  assert.deepEqual(blockTypes('Here:\n```python\ndef f(x):\n    return "<b>" + x\n```\nDone.'), ['paragraph', 'fence', 'paragraph']);
  const fence = tokens.find((t) => t.type === 'fence');
  assert.equal(fence.info, 'python');
  assert.equal(fence.content, 'def f(x):\n    return "<b>" + x\n');
  assert.equal(fenceClosed(fence, lines), true);
});

test('an unclosed fence while streaming is an open code block', () => {
  for (const source of ['```js\nconst a = 1;', '```js\n', '```js', '~~~~\nx\n~~~']) {
    const { tokens, lines } = parseMarkdown(source);
    assert.equal(tokens.length, 1, source);
    assert.equal(tokens[0].type, 'fence');
    assert.equal(fenceClosed(tokens[0], lines), false, source);
  }
});

test('HTML in text stays text: there are no HTML tokens', () => {
  const source = '<img src=x onerror="alert(1)"> <script>alert(2)</script>\n\n<div>\nblock\n</div>';
  const types = parseMarkdown(source).tokens.flatMap((t) => [t.type, ...(t.children ?? []).map((c) => c.type)]);
  assert.ok(!types.some((t) => t.startsWith('html')), types.join(' '));
  assert.equal(inlineText(source), '<img src=x onerror="alert(1)"> <script>alert(2)</script>');
});

test('only http(s) and mailto links become links; images are never loaded', () => {
  const source = '[ok](https://example.com/a) [m](mailto:a@b.c) [bad](javascript:alert(1)) [d](data:text/html,x) [rel](/x) <javascript:y> ![img](https://e.com/i.png)';
  const children = parseMarkdown(source).tokens[1].children;
  const hrefs = children.filter((c) => c.type === 'link_open').map((c) => c.attrGet('href'));
  assert.deepEqual(hrefs, ['https://example.com/a', 'mailto:a@b.c', 'https://e.com/i.png']);
  assert.ok(!children.some((c) => c.type === 'image'));
});

test('emphasis with * only: __init__, snake_case and _x_ are text', () => {
  assert.deepEqual(inlines('a **b** *c* `d*e` \\*f\\*'), [['text', 'a '], ['strong_open', ''], ['text', 'b'], ['strong_close', ''],
    ['text', ' '], ['em_open', ''], ['text', 'c'], ['em_close', ''], ['text', ' '], ['code_inline', 'd*e'], ['text', ' *f*']]);
  for (const source of ['my_var_name', 'def __init__(self): _x_ __y__', 'call __init__ and __repr__ here']) {
    assert.deepEqual(inlines(source), [['text', source]], source);
  }
  // A half-streamed "**bold" stays literal until it closes.
  assert.deepEqual(inlines('**bold'), [['text', '**bold']]);
});

test('headings, lists (nested, ordered with start), quotes, rules and tables', () => {
  const source = '# Title\n\n- a\n- b\n  - b1\n\n3. x\n4. y\n\n> quoted\n\n---\n\n| a | b |\n|:-|-:|\n| 1 | 2 |';
  assert.deepEqual(blockTypes(source), ['heading', 'bullet_list', 'ordered_list', 'blockquote', 'hr', 'table']);
  const { tokens } = parseMarkdown(source);
  assert.equal(tokens.find((t) => t.type === 'ordered_list_open').attrGet('start'), 3);
  assert.ok(tokens.some((t) => t.type === 'bullet_list_open' && t.level > 0), 'the nested list');
});

test('unfenced code keeps its indentation', () => {
  assert.deepEqual(inlines('def f():\n    return 1'), [['text', 'def f():'], ['softbreak', ''], ['text', '    return 1']]);
  assert.deepEqual(inlines('a  \nb'), [['text', 'a'], ['hardbreak', ''], ['text', 'b']]);
});

test('doctest prompts are text, not quotes', () => {
  const source = '>>> import os\n... x = 1\n>>>\n> real quote';
  assert.deepEqual(blockTypes(source), ['paragraph', 'blockquote']);
  assert.equal(inlines(source)[0][1], '>>> import os');
  assert.deepEqual(blockTypes('Try:\n>>> 1 + 1\n2'), ['paragraph'], 'a prompt does not end a paragraph either');
  assert.deepEqual(blockTypes('>>>x'), ['blockquote'], 'only the prompt (">>> " or ">>>" alone) is special');
});

test('deeply nested and hostile input parses without blowing the stack', () => {
  for (const source of ['> '.repeat(5000) + 'x', '*'.repeat(20000), '['.repeat(20000), '- '.repeat(3000) + 'x', '`'.repeat(10000)]) {
    assert.doesNotThrow(() => parseMarkdown(source));
  }
});
