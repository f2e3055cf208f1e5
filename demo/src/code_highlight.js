// Syntax highlighting of code blocks with highlight.js (its core and the languages below, not
// the whole bundle). highlight.js would produce an HTML string; instead its emitter hook
// (HLJSOptions.__emitter, the Emitter interface its types export) is given one that builds
// DOM nodes, so highlighted code enters the page as text nodes inside <span class="hljs-…">
// and never as HTML. The class names are highlight.js's own, so its themes apply.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import pythonRepl from 'highlight.js/lib/languages/python-repl';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';

// The document the emitter creates nodes in; set for the duration of one highlight() call
// (which is synchronous).
let currentDoc = null;

// "title.function" -> "hljs-title function_", as highlight.js's HTML renderer names them.
function scopeClass(scope) {
  if (scope.startsWith('language:')) return `language-${scope.slice('language:'.length)}`;
  const [first, ...rest] = scope.split('.');
  return [`hljs-${first}`, ...rest.map((piece, i) => `${piece}${'_'.repeat(i + 1)}`)].join(' ');
}

class DomEmitter {
  constructor() {
    this.root = currentDoc.createDocumentFragment();
    this.stack = [this.root];
  }

  get top() {
    return this.stack[this.stack.length - 1];
  }

  addText(text) {
    if (text) this.top.append(currentDoc.createTextNode(text));
  }

  startScope(scope) {
    const span = currentDoc.createElement('span');
    span.className = scopeClass(scope);
    this.top.append(span);
    this.stack.push(span);
  }

  endScope() {
    if (this.stack.length > 1) this.stack.pop();
  }

  // highlight.js's own emitter has these older names too, and its highlighter calls them for
  // modes' scopes.
  openNode(scope) {
    this.startScope(scope);
  }

  closeNode() {
    this.endScope();
  }

  __addSublanguage(emitter, name) {
    const span = currentDoc.createElement('span');
    if (name) span.className = `language-${name}`;
    span.append(emitter.root);
    this.top.append(span);
  }

  finalize() {}

  // highlight.js asks for the HTML at the end of every highlight; there is none.
  toHTML() {
    return '';
  }
}

const highlighter = hljs.newInstance();
for (const [name, language] of Object.entries({ bash, c, cpp, css, javascript, json, python, 'python-repl': pythonRepl, rust, sql, typescript, xml })) {
  highlighter.registerLanguage(name, language);
}
highlighter.configure({ __emitter: DomEmitter });

export function knownLanguage(lang) {
  return Boolean(lang) && Boolean(highlighter.getLanguage(lang));
}

function highlighted(text, lang, doc) {
  currentDoc = doc;
  try {
    return highlighter.highlight(text, { language: lang, ignoreIllegals: true })._emitter.root;
  } finally {
    currentDoc = null;
  }
}

// Fills `code` with the highlighted text and returns true, or leaves it alone and returns
// false for a language not registered here.
export function highlightInto(code, text, lang, doc = code.ownerDocument) {
  if (!knownLanguage(lang)) return false;
  code.replaceChildren(highlighted(text, lang, doc));
  code.classList.add('hljs');
  return true;
}

// A code block still streaming grows at its end, and highlighting all of it again for each
// token would cost time in proportion to its length. So while it streams it is highlighted in
// pieces, and only the last piece, the one growing, is highlighted again; the pieces before it
// keep their nodes (`cache` carries them from one render to the next). A piece starts at an
// unindented line after a blank line (a new top-level statement in most languages), or, when
// there is none for MAX_PIECE_LINES lines, at the next line. A boundary can fall inside a
// multi-line string or comment, which then shows coloured wrongly until the fence closes:
// the closed block is highlighted whole (highlightInto).
const PIECE_START = /\n\n+(?=\S)/g;
const MAX_PIECE_LINES = 50;

function splitLong(piece, out) {
  let start = 0;
  let lines = 0;
  for (let i = piece.indexOf('\n'); i !== -1 && i < piece.length - 1; i = piece.indexOf('\n', i + 1)) {
    if (++lines === MAX_PIECE_LINES) {
      out.push(piece.slice(start, i + 1));
      start = i + 1;
      lines = 0;
    }
  }
  out.push(piece.slice(start));
}

function pieces(text) {
  const out = [];
  let start = 0;
  for (const m of text.matchAll(PIECE_START)) {
    const end = m.index + m[0].length;
    splitLong(text.slice(start, end), out);
    start = end;
  }
  splitLong(text.slice(start), out);
  return out;
}

export function highlightGrowing(code, text, lang, cache, doc = code.ownerDocument) {
  if (!knownLanguage(lang)) return false;
  const reusable = cache.lang === lang ? cache.pieces ?? [] : [];
  const parts = pieces(text);
  const next = parts.map((piece, i) => {
    const old = reusable[i];
    if (i < parts.length - 1 && old && old.text === piece) return old;
    const span = doc.createElement('span');
    span.className = 'code-piece'; // a block of its own (styles.css): laid out on its own
    span.append(highlighted(piece, lang, doc));
    return { text: piece, node: span };
  });
  // Only the pieces that changed are swapped, so the browser lays out only those again.
  next.forEach(({ node }, i) => {
    const current = code.childNodes[i];
    if (current === node) return;
    if (current) current.replaceWith(node);
    else code.append(node);
  });
  while (code.childNodes.length > next.length) code.lastChild.remove();
  code.classList.add('hljs');
  cache.lang = lang;
  cache.pieces = next;
  return true;
}
