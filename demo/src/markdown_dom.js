// Builds DOM nodes from markdown_parse.js's tree. Model output is untrusted: every piece of
// it enters the page through textContent or a validated href, never through innerHTML.
import { parseMarkdown } from './markdown_parse.js';

export function renderMarkdown(source, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(source)) fragment.append(renderBlock(block, doc));
  return fragment;
}

function el(doc, tag, className) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  return node;
}

function renderBlock(block, doc) {
  switch (block.type) {
    case 'paragraph': {
      const p = el(doc, 'p');
      appendInlines(p, block.children, doc);
      return p;
    }
    case 'heading': {
      // Answers sit under the page's own headings, so model headings start at h3.
      const h = el(doc, `h${Math.min(6, block.level + 2)}`);
      appendInlines(h, block.children, doc);
      return h;
    }
    case 'code':
      return renderCodeBlock(block, doc);
    case 'list': {
      const list = el(doc, block.ordered ? 'ol' : 'ul');
      if (block.ordered && block.start !== 1) list.start = block.start;
      for (const item of block.items) {
        const li = el(doc, 'li');
        for (const child of item) li.append(renderBlock(child, doc));
        list.append(li);
      }
      return list;
    }
    case 'blockquote': {
      const quote = el(doc, 'blockquote');
      for (const child of block.children) quote.append(renderBlock(child, doc));
      return quote;
    }
    case 'hr':
      return el(doc, 'hr');
    default:
      return doc.createTextNode('');
  }
}

function renderCodeBlock(block, doc) {
  const figure = el(doc, 'figure', 'code-block');
  const bar = el(doc, 'figcaption', 'code-bar');
  const label = el(doc, 'span', 'code-lang');
  label.textContent = block.lang || 'code';
  const copy = el(doc, 'button', 'code-copy');
  copy.type = 'button';
  copy.textContent = 'Copy';
  copy.setAttribute('aria-label', `Copy ${block.lang || 'code'} to the clipboard`);
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(block.text);
      copy.textContent = 'Copied';
    } catch {
      copy.textContent = 'Copy failed';
    }
    setTimeout(() => {
      copy.textContent = 'Copy';
    }, 1500);
  });
  bar.append(label, copy);
  const pre = el(doc, 'pre');
  const code = el(doc, 'code');
  if (block.lang) code.className = `language-${block.lang}`;
  code.textContent = block.text;
  pre.append(code);
  pre.tabIndex = 0; // long lines scroll: keyboard users need to reach the scroller
  figure.append(bar, pre);
  if (!block.closed) figure.classList.add('streaming');
  return figure;
}

function appendInlines(parent, inlines, doc) {
  for (const node of inlines) parent.append(renderInline(node, doc));
}

function renderInline(node, doc) {
  switch (node.type) {
    case 'text':
      return doc.createTextNode(node.text);
    case 'br':
      return el(doc, 'br');
    case 'code': {
      const code = el(doc, 'code');
      code.textContent = node.text;
      return code;
    }
    case 'strong':
    case 'em': {
      const span = el(doc, node.type);
      appendInlines(span, node.children, doc);
      return span;
    }
    case 'link': {
      const a = el(doc, 'a');
      a.href = node.href; // the parser only lets http(s) and mailto through
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      appendInlines(a, node.children, doc);
      return a;
    }
    default:
      return doc.createTextNode('');
  }
}
