// Model answers through markdown-it, with HTML off: text in, markdown-it's token stream out.
// Nothing here produces HTML; markdown_dom.js builds DOM nodes from the tokens with
// textContent and checked hrefs only, so nothing the model writes can become markup.
//
// Our rules on top of CommonMark (GFM tables and strikethrough included):
// - Links only to http, https and mailto; any other target leaves the text as text.
// - Images are not loaded: `![alt](url)` reads as "!" and a link.
// - `_` is never emphasis: models write Python, where __init__ and snake_case are not markup
//   (`*` and `**` still are).
// - A line starting with ">>>" is Python's REPL prompt (doctests), not a triple-nested quote.
// - A paragraph's lines keep their indentation (the page shows them pre-wrapped), so code a
//   model writes without a fence still reads as code.
import MarkdownIt from 'markdown-it';

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
const REPL_PROMPT = /^>>>(?:[ \t]|$)/;

export function isSafeLink(href) {
  return SAFE_LINK.test(href);
}

function replPromptIsNotAQuote(md) {
  // Ruler has no public getter for one rule's function; __rules__ is where markdown-it keeps
  // them (plugins wrap rules this way too). The doctest case in markdown_parse.test.mjs fails
  // if that changes.
  const rule = md.block.ruler.__rules__.find((r) => r.name === 'blockquote');
  const quote = rule.fn;
  md.block.ruler.at('blockquote', (state, startLine, endLine, silent) => {
    const content = state.src.slice(state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]);
    if (REPL_PROMPT.test(content)) return false;
    return quote(state, startLine, endLine, silent);
  }, { alt: rule.alt });
}

function underscoreIsText(md) {
  md.inline.ruler.before('emphasis', 'underscore_text', (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== 0x5f /* _ */) return false;
    let end = state.pos;
    while (state.src.charCodeAt(end) === 0x5f) end++;
    if (!silent) state.pending += state.src.slice(state.pos, end);
    state.pos = end;
    return true;
  });
}

// markdown-it's own newline rule drops the next line's leading spaces; this one keeps them.
// Two trailing spaces (or a backslash, handled by the escape rule) still make a hard break.
function newlineKeepsIndent(md) {
  md.inline.ruler.at('newline', (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== 0x0a) return false;
    if (!silent) {
      const hard = / {2,}$/.test(state.pending);
      state.pending = state.pending.replace(/ +$/, '');
      state.push(hard ? 'hardbreak' : 'softbreak', 'br', 0);
    }
    state.pos++;
    return true;
  });
}

const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
md.disable('image');
md.validateLink = isSafeLink;
replPromptIsNotAQuote(md);
underscoreIsText(md);
newlineKeepsIndent(md);

// Returns markdown-it's tokens, the source's lines (token.map indexes them) and the link
// reference definitions found (a change to them can change any block).
export function parseMarkdown(source) {
  const text = String(source).replace(/\r\n?/g, '\n');
  const env = {};
  const tokens = md.parse(text, env);
  return { tokens, lines: text.split('\n'), references: env.references ?? null };
}

// Whether a fence token's closing fence has arrived (false while it is still streaming).
export function fenceClosed(token, lines) {
  const [first, end] = token.map;
  if (end - 1 <= first) return false;
  const last = lines[end - 1].trim();
  const mark = token.markup[0];
  return last.length >= token.markup.length && [...last].every((ch) => ch === mark);
}
