// Builds DOM nodes from markdown-it's tokens (markdown_parse.js). Model output is untrusted:
// every piece of it enters the page through text nodes, a class chosen here, or an href that
// passed isSafeLink, never through innerHTML. Code blocks are highlighted (code_highlight.js).
//
// MarkdownView re-renders a growing answer cheaply: the text is parsed whole each time (fast),
// but a top-level block whose source lines have not changed keeps its DOM node, so only the
// block being written is rebuilt (and only its code re-highlighted).
import { parseMarkdown, fenceClosed, isSafeLink } from './markdown_parse.js';
import { highlightGrowing, highlightInto } from './code_highlight.js';

// Container tokens (`*_open` ... `*_close`) -> the element they become. Answers sit under the
// page's own headings, so model headings start at h3.
const CONTAINERS = {
  paragraph: (t, doc) => doc.createElement('p'),
  heading: (t, doc) => doc.createElement(`h${Math.min(6, Number(t.tag.slice(1)) + 2)}`),
  bullet_list: (t, doc) => doc.createElement('ul'),
  ordered_list: (t, doc) => {
    const ol = doc.createElement('ol');
    const start = Number(t.attrGet('start') ?? 1);
    if (Number.isInteger(start) && start !== 1) ol.start = start;
    return ol;
  },
  list_item: (t, doc) => doc.createElement('li'),
  blockquote: (t, doc) => doc.createElement('blockquote'),
  table: (t, doc) => {
    const table = doc.createElement('table');
    table.className = 'md-table';
    return table;
  },
  thead: (t, doc) => doc.createElement('thead'),
  tbody: (t, doc) => doc.createElement('tbody'),
  tr: (t, doc) => doc.createElement('tr'),
  th: (t, doc) => cell('th', t, doc),
  td: (t, doc) => cell('td', t, doc),
  strong: (t, doc) => doc.createElement('strong'),
  em: (t, doc) => doc.createElement('em'),
  s: (t, doc) => doc.createElement('s'),
  link: (t, doc) => link(t, doc),
};

// Column alignment as a class: the CSP allows no inline styles.
function cell(tag, token, doc) {
  const node = doc.createElement(tag);
  const align = /text-align:(left|center|right)/.exec(token.attrGet('style') ?? '');
  if (align) node.className = `align-${align[1]}`;
  return node;
}

function link(token, doc) {
  const href = token.attrGet('href') ?? '';
  // markdown_parse.js lets no other link through; checked again where the attribute is set.
  if (!isSafeLink(href)) return doc.createElement('span');
  const a = doc.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer nofollow';
  return a;
}

// stream: what MarkdownView keeps between renders for the code block being written (null
// for any other block). While a fence stays open, its figure is kept and only its code
// updated in place, so a long block costs the browser no new layout of what it already shows.
function codeBlock(token, lines, doc, stream) {
  const lang = (token.info ?? '').trim().split(/\s+/)[0].replace(/[^\w+#.-]/g, '');
  const text = token.content.replace(/\n$/, '');
  const open = token.type === 'fence' && !fenceClosed(token, lines);
  if (open && stream?.figure && stream.fenceLang === lang) {
    stream.source.text = text;
    fillCode(stream.code, text, lang, doc, stream);
    return stream.figure;
  }
  const source = { text }; // what Copy copies: the block's text when clicked
  const figure = doc.createElement('figure');
  figure.className = 'code-block';
  const bar = doc.createElement('figcaption');
  bar.className = 'code-bar';
  const label = doc.createElement('span');
  label.className = 'code-lang';
  label.textContent = lang || 'code';
  const copy = doc.createElement('button');
  copy.className = 'code-copy';
  copy.type = 'button';
  copy.textContent = 'Copy';
  copy.setAttribute('aria-label', `Copy ${lang || 'code'} to the clipboard`);
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.text);
      copy.textContent = 'Copied';
    } catch {
      copy.textContent = 'Copy failed';
    }
    setTimeout(() => {
      copy.textContent = 'Copy';
    }, 1500);
  });
  bar.append(label, copy);
  const pre = doc.createElement('pre');
  const code = doc.createElement('code');
  if (lang) code.className = `language-${lang}`;
  pre.append(code);
  pre.tabIndex = 0; // long lines scroll: keyboard users need to reach the scroller
  figure.append(bar, pre);
  if (open && stream) {
    // A fresh start for this block's pieces: none of an earlier block's may be reused.
    for (const key of Object.keys(stream)) delete stream[key];
    Object.assign(stream, { figure, code, fenceLang: lang, source });
    fillCode(code, text, lang, doc, stream);
  } else {
    fillCode(code, text, lang, doc, null);
  }
  if (open) figure.classList.add('streaming');
  return figure;
}

function fillCode(code, text, lang, doc, stream) {
  const done = stream
    ? highlightGrowing(code, text, lang.toLowerCase(), stream, doc)
    : highlightInto(code, text, lang.toLowerCase(), doc);
  if (!done) code.textContent = text;
}

function leaf(token, lines, doc, stream) {
  switch (token.type) {
    case 'fence':
    case 'code_block':
      return codeBlock(token, lines, doc, stream);
    case 'hr':
      return doc.createElement('hr');
    case 'softbreak':
    case 'hardbreak':
      return doc.createElement('br');
    case 'code_inline': {
      const code = doc.createElement('code');
      code.textContent = token.content;
      return code;
    }
    default:
      // text, text_special (escapes, entities) and anything unknown: its text, as text.
      return token.content ? doc.createTextNode(token.content) : null;
  }
}

// Appends the nodes of `tokens` to parent.
function build(parent, tokens, lines, doc, stream = null) {
  const stack = [parent];
  for (const token of tokens) {
    const top = stack[stack.length - 1];
    if (token.type === 'inline') {
      build(top, token.children ?? [], lines, doc);
    } else if (token.nesting === 1) {
      const make = CONTAINERS[token.type.replace(/_open$/, '')];
      // Paragraphs of tight lists are hidden: their inlines go straight into the item.
      const node = token.hidden ? null : make ? make(token, doc) : doc.createElement('div');
      if (node) top.append(node);
      stack.push(node ?? top);
    } else if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else {
      const node = leaf(token, lines, doc, stream);
      if (node) top.append(node);
    }
  }
}

// Splits the token stream into top-level blocks: [start, end) index pairs.
function topLevelBlocks(tokens) {
  const blocks = [];
  let depth = 0;
  let start = 0;
  tokens.forEach((token, i) => {
    if (depth === 0) start = i;
    depth += token.nesting;
    if (depth === 0) blocks.push([start, i + 1]);
  });
  return blocks;
}

function blockNode(tokens, lines, doc, stream) {
  const holder = doc.createDocumentFragment();
  build(holder, tokens, lines, doc, stream);
  return holder.childNodes.length === 1 ? holder.firstChild : wrap(holder, doc);
}

function wrap(fragment, doc) {
  const div = doc.createElement('div');
  div.append(fragment);
  return div;
}

// The whole of `source` as a DocumentFragment.
export function renderMarkdown(source, doc = document) {
  const { tokens, lines } = parseMarkdown(source);
  const fragment = doc.createDocumentFragment();
  build(fragment, tokens, lines, doc);
  return fragment;
}

export class MarkdownView {
  constructor(host, doc = host.ownerDocument) {
    this.host = host;
    this.doc = doc;
    this.blocks = []; // { key, node } per top-level block on screen
    this.stream = {}; // the growing code block: its figure and highlighted pieces
    this.streamIndex = -1; // the top-level block `stream` belongs to
  }

  update(source) {
    const { tokens, lines, references } = parseMarkdown(source);
    const refs = references ? JSON.stringify(references) : '';
    const next = topLevelBlocks(tokens).map(([start, end]) => {
      const [from, to] = tokens[start].map ?? [0, 0];
      // A block is its source lines (and the link definitions it may use).
      return { key: `${refs}\u0000${tokens[start].type}\u0000${lines.slice(from, to).join('\n')}`, start, end };
    });
    // The growing code block can only be in the last block; when that is a new block, the
    // old one's figure may still be on screen and must not be taken from it.
    if (this.streamIndex !== next.length - 1) {
      this.stream = {};
      this.streamIndex = next.length - 1;
    }
    const kept = next.map((block, i) => {
      const old = this.blocks[i];
      if (old && old.key === block.key) return old;
      // Only the last block can be a code block still being written.
      const stream = i === next.length - 1 ? this.stream : null;
      return { key: block.key, node: blockNode(tokens.slice(block.start, block.end), lines, this.doc, stream) };
    });
    kept.forEach(({ node }, i) => {
      const current = this.host.childNodes[i];
      if (current === node) return;
      if (current) current.replaceWith(node);
      else this.host.append(node);
    });
    while (this.host.childNodes.length > kept.length) this.host.lastChild.remove();
    this.blocks = kept;
  }
}
