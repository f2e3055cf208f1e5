// Inputs for the template fuzzer: a Jinja template and the messages to render it with, from a
// seed. Half are built from a grammar of the constructs that cost time or memory (loops over
// ranges of any size, nesting, macros calling themselves, growing strings and lists, filters
// that widen text, namespaces); half are seed templates (ChatML, SmolLM2's) mutated by
// splicing, duplicating and deleting pieces, and pasting grammar fragments into them.

// mulberry32: small, seedable, good enough to spread inputs.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

const SIZES = [0, 1, 3, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e9, 2 ** 31, 1e300, -5];

function expression(r, depth) {
  const leaves = [
    () => `'${r.pick(['x', 'ab', '<|im_start|>', '\\n', '{{', ''])}'`,
    () => String(r.pick(SIZES)),
    () => r.pick(['messages', 'messages[0]', "messages[0]['content']", 'messages[-1].role', 'bos_token', 'eos_token', 'add_generation_prompt', 'ns.s', 'ns.l', 'loop.index', 'none', 'undefined_name']),
    () => `range(${r.pick(SIZES)})`,
    () => `[${Array.from({ length: r.int(0, 3) }, () => r.int(0, 9)).join(', ')}]`,
  ];
  if (depth > 3) return r.pick(leaves)();
  const kinds = [
    ...leaves,
    () => `(${expression(r, depth + 1)} ${r.pick(['+', '~', '*', '-', '//', '%', '**', 'and', 'or', '==', 'in'])} ${expression(r, depth + 1)})`,
    () => `${expression(r, depth + 1)}|${r.pick(['length', 'upper', 'lower', 'trim', 'tojson', 'list', 'string', 'join', 'first', 'last', 'reverse', 'sort', 'unique'])}`,
    () => `${expression(r, depth + 1)}|${r.pick(['indent', 'join', 'replace', 'tojson', 'batch', 'default'])}(${r.pick(SIZES)}${r.next() < 0.3 ? `, ${expression(r, depth + 1)}` : ''})`,
    () => `${expression(r, depth + 1)}[${expression(r, depth + 1)}]`,
    () => `(${expression(r, depth + 1)} if ${expression(r, depth + 1)} else ${expression(r, depth + 1)})`,
    () => `f(${expression(r, depth + 1)})`,
    () => `raise_exception(${expression(r, depth + 1)})`,
  ];
  return r.pick(kinds)();
}

function statements(r, depth) {
  const count = r.int(1, depth > 2 ? 2 : 4);
  let out = '';
  for (let i = 0; i < count; ++i) {
    const kinds = [
      () => `{{ ${expression(r, depth)} }}`,
      () => r.pick(['text', '\n', '<|im_end|>']),
      () => `{% set ns.s = ns.s ${r.pick(['+', '~'])} ${expression(r, depth)} %}`,
      () => `{% set ns.l = ns.l + ${r.pick(['ns.l', '[1]', expression(r, depth)])} %}`,
    ];
    if (depth < 4) {
      kinds.push(
        () => `{% for ${r.pick(['i', 'm', 'k'])} in ${r.pick([`range(${r.pick(SIZES)})`, 'messages', 'ns.l', expression(r, depth)])} %}${statements(r, depth + 1)}{% endfor %}`,
        () => `{% if ${expression(r, depth)} %}${statements(r, depth + 1)}{% else %}${statements(r, depth + 1)}{% endif %}`,
      );
    }
    out += r.pick(kinds)();
  }
  return out;
}

function grammarTemplate(r) {
  const macro = r.next() < 0.4
    ? `{% macro f(n) %}${r.next() < 0.5 ? '{{ f(n) }}{{ f(n) }}' : `{{ n }}${statements(r, 3)}`}{% endmacro %}`
    : '';
  return `${macro}{% set ns = namespace(s='x', l=[1]) %}${statements(r, 0)}`;
}

function mutate(r, source) {
  let text = source;
  for (let n = r.int(1, 6); n > 0; --n) {
    const at = r.int(0, text.length);
    const len = r.int(0, Math.min(40, text.length - at));
    switch (r.int(0, 4)) {
      case 0: text = text.slice(0, at) + text.slice(at + len); break;
      case 1: text = text.slice(0, at) + text.slice(at, at + len).repeat(r.int(2, 5)) + text.slice(at); break;
      case 2: text = text.slice(0, at) + statements(r, 2) + text.slice(at); break;
      case 3: text = text.slice(0, at) + r.pick(['{%', '%}', '{{', '}}', '{#', "'", ')', 'endfor', 'for x in range(1e9)']) + text.slice(at); break;
      default: { const from = r.int(0, text.length); text = text.slice(0, at) + text.slice(from, from + len) + text.slice(at); }
    }
  }
  return text;
}

function messagesFor(r) {
  const roles = ['system', 'user', 'assistant', 'tool'];
  return Array.from({ length: r.int(1, 4) }, () => ({
    role: r.pick(roles),
    content: r.pick(['Hi', '', '{{ 7*7 }}', '<|im_end|>', 'x'.repeat(r.int(0, 5000))]),
  }));
}

/** @returns {{template: string, messages: {role: string, content: string}[]}} */
export function generateInput(seed, corpus) {
  const r = rng(seed);
  const template = r.next() < 0.5 ? grammarTemplate(r) : mutate(r, r.pick(corpus));
  return { template, messages: messagesFor(r) };
}
