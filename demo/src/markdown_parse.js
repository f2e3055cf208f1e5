// A small Markdown parser for model answers: text in, a plain-object tree out. It never
// produces HTML, so nothing the model writes can become markup; markdown_dom.js turns
// the tree into DOM nodes with textContent only.
//
// Blocks: paragraph, heading, code (fenced; `closed` is false while the fence is still
// streaming), list (ordered or not, nested by indentation), blockquote, hr.
// Inlines: text, code, strong, em, link (http, https and mailto only), br.
// Emphasis uses * only: models write Python, where __init__ and snake_case are not markup.
// Paragraph lines keep their indentation (the page shows them pre-wrapped), so code a model
// writes without a fence still reads as code.

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
// ">>> " is Python's REPL prompt (doctests), not a triple-nested quote.
const QUOTE = /^ {0,3}>(?!>>(?:\s|$)) ?(.*)$/;
const LIST_ITEM = /^( {0,12})([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
const MAX_DEPTH = 8;
// Bounds that keep parsing linear on hostile input (the page re-parses while streaming).
const MAX_LINK_LABEL = 500;
const MAX_LINK_TARGET = 2000;

export function parseMarkdown(source) {
  const lines = String(source).replace(/\r\n?/g, '\n').split('\n');
  return parseBlocks(lines, 0);
}

function isBlank(line) {
  return line.trim() === '';
}

function indentOf(line) {
  const m = /^[ \t]*/.exec(line)[0];
  let n = 0;
  for (const ch of m) n += ch === '\t' ? 4 : 1;
  return n;
}

function stripIndent(line, n) {
  let i = 0;
  let removed = 0;
  while (i < line.length && removed < n && (line[i] === ' ' || line[i] === '\t')) {
    removed += line[i] === '\t' ? 4 : 1;
    i++;
  }
  return line.slice(i);
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || HR.test(line) || QUOTE.test(line) || LIST_ITEM.test(line);
}

function parseBlocks(lines, depth) {
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    let m;
    if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const body = [];
      const fenceIndent = indentOf(line);
      let closed = false;
      i++;
      while (i < lines.length) {
        const l = lines[i];
        const trimmed = l.trim();
        if (trimmed.length >= fence.length && trimmed[0] === fence[0] && /^(`+|~+)$/.test(trimmed)) {
          closed = true;
          i++;
          break;
        }
        body.push(stripIndent(l, fenceIndent));
        i++;
      }
      blocks.push({ type: 'code', lang: m[2].replace(/[^\w+#.-]/g, ''), text: body.join('\n'), closed });
      continue;
    }
    if ((m = HEADING.exec(line))) {
      blocks.push({ type: 'heading', level: m[1].length, children: parseInline(m[2] ?? '', depth) });
      i++;
      continue;
    }
    if (HR.test(line)) {
      blocks.push({ type: 'hr' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const q = QUOTE.exec(lines[i]);
        inner.push(q ? q[1] : lines[i]);
        i++;
      }
      const children = depth < MAX_DEPTH ? parseBlocks(inner, depth + 1) : [paragraph(inner, depth)];
      blocks.push({ type: 'blockquote', children });
      continue;
    }
    if ((m = LIST_ITEM.exec(line))) {
      i = parseList(lines, i, depth, blocks);
      continue;
    }
    const para = [];
    while (i < lines.length && !isBlank(lines[i]) && (para.length === 0 || !startsBlock(lines[i]))) {
      para.push(lines[i].trimEnd());
      i++;
    }
    blocks.push(paragraph(para, depth));
  }
  return blocks;
}

function paragraph(lines, depth) {
  return { type: 'paragraph', children: parseInline(lines.join('\n'), depth) };
}

function parseList(lines, start, depth, blocks) {
  const first = LIST_ITEM.exec(lines[start]);
  const baseIndent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = { type: 'list', ordered, start: ordered ? parseInt(first[2], 10) : 1, items: [] };
  let i = start;
  while (i < lines.length) {
    const m = LIST_ITEM.exec(lines[i]);
    if (!m || m[1].length !== baseIndent || /\d/.test(m[2]) !== ordered) break;
    const contentIndent = baseIndent + m[2].length + 1;
    const itemLines = [m[3] ?? ''];
    i++;
    // Continuation: indented lines, and blank lines followed by indented lines.
    while (i < lines.length) {
      const l = lines[i];
      if (isBlank(l)) {
        if (i + 1 < lines.length && !isBlank(lines[i + 1]) && indentOf(lines[i + 1]) > baseIndent) {
          itemLines.push('');
          i++;
          continue;
        }
        break;
      }
      const sub = LIST_ITEM.exec(l);
      if (indentOf(l) > baseIndent) {
        itemLines.push(stripIndent(l, Math.min(indentOf(l), contentIndent)));
        i++;
      } else if (!sub && !startsBlock(l)) {
        itemLines.push(l.trim()); // lazy continuation of the item's paragraph
        i++;
      } else {
        break;
      }
    }
    const children = depth < MAX_DEPTH ? parseBlocks(itemLines, depth + 1) : [paragraph(itemLines, depth)];
    list.items.push(children);
    // A blank line between items keeps the list going.
    if (i < lines.length && isBlank(lines[i]) && i + 1 < lines.length) {
      const next = LIST_ITEM.exec(lines[i + 1]);
      if (next && next[1].length === baseIndent && /\d/.test(next[2]) === ordered) i++;
    }
  }
  blocks.push(list);
  return i;
}

function pushText(out, text) {
  if (!text) return;
  const last = out[out.length - 1];
  if (last && last.type === 'text') last.text += text;
  else out.push({ type: 'text', text });
}

// Inline spans. Unmatched delimiters stay literal text, which is also what a half-streamed
// "**bold" looks like until its closing delimiter arrives.
export function parseInline(text, depth = 0) {
  const out = [];
  // Delimiter -> a position from which no closer exists: later searches for it fail at once.
  const noCloserFrom = new Map();
  const closerAfter = (from, delim, finder) => {
    const known = noCloserFrom.get(delim);
    if (known !== undefined && from >= known) return -1;
    const k = finder();
    if (k === -1) noCloserFrom.set(delim, Math.min(known ?? Infinity, from));
    return k;
  };
  let i = 0;
  let buffer = '';
  const flush = () => {
    pushText(out, buffer);
    buffer = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length && /[!-\/:-@[-`{-~]/.test(text[i + 1])) {
      buffer += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '\n') {
      flush();
      out.push({ type: 'br' });
      i++;
      continue;
    }
    if (ch === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      const ticks = '`'.repeat(run);
      const close = closerAfter(i + run, ticks, () => {
        let k = text.indexOf(ticks, i + run);
        while (k !== -1 && text[k + run] === '`') {
          while (text[k] === '`') k++;
          k = text.indexOf(ticks, k);
        }
        return k;
      });
      if (close !== -1) {
        flush();
        let code = text.slice(i + run, close).replace(/\n/g, ' ');
        if (/^ .* $/.test(code) && code.trim() !== '') code = code.slice(1, -1);
        out.push({ type: 'code', text: code });
        i = close + run;
        continue;
      }
      buffer += ticks;
      i += run;
      continue;
    }
    if (ch === '*' && depth < MAX_DEPTH) {
      const double = text[i + 1] === ch;
      const delim = double ? ch + ch : ch;
      const after = text[i + delim.length];
      const opens = after !== undefined && !/\s/.test(after);
      if (opens) {
        const close = closerAfter(i + delim.length, delim, () => findClosing(text, i + delim.length, delim, ch));
        if (close !== -1) {
          flush();
          const inner = parseInline(text.slice(i + delim.length, close), depth + 1);
          out.push({ type: double ? 'strong' : 'em', children: inner });
          i = close + delim.length;
          continue;
        }
      }
      buffer += delim;
      i += delim.length;
      continue;
    }
    if (ch === '[' && depth < MAX_DEPTH) {
      const link = matchLink(text, i);
      if (link) {
        flush();
        if (SAFE_LINK.test(link.href)) {
          out.push({ type: 'link', href: link.href, children: parseInline(link.label, depth + 1) });
        } else {
          // Unsafe schemes (javascript:, data:, ...) keep their text, never their target.
          for (const node of parseInline(link.label, depth + 1)) out.push(node);
        }
        i = link.end;
        continue;
      }
    }
    buffer += ch;
    i++;
  }
  flush();
  return out;
}

function findClosing(text, from, delim, ch) {
  let j = from;
  while (j < text.length) {
    const k = text.indexOf(delim, j);
    if (k === -1) return -1;
    const before = text[k - 1];
    const afterClose = text[k + delim.length];
    const single = delim.length === 1;
    // A single delimiter must not be half of a double one; and it must close after non-space.
    if (before !== undefined && !/\s/.test(before) && k > from &&
        !(single && (afterClose === ch || text[k - 1] === ch))) {
      return k;
    }
    j = k + delim.length;
  }
  return -1;
}

function matchLink(text, start) {
  let depth = 0;
  let j = start;
  const labelEnd = Math.min(text.length, start + MAX_LINK_LABEL);
  for (; j < labelEnd; j++) {
    if (text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] === '[') depth++;
    else if (text[j] === ']' && --depth === 0) break;
    else if (text[j] === '\n') return null;
  }
  if (j >= labelEnd || text[j + 1] !== '(') return null;
  const targetEnd = Math.min(text.length, j + 2 + MAX_LINK_TARGET);
  let close = j + 2;
  while (close < targetEnd && text[close] !== ')' && text[close] !== '\n') close++;
  if (close >= targetEnd || text[close] !== ')') return null;
  const target = text.slice(j + 2, close).trim();
  const href = target.split(/\s+/)[0].replace(/^<|>$/g, '');
  if (!href) return null;
  return { label: text.slice(start + 1, j), href, end: close + 1 };
}
