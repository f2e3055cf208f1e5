// The conversation on screen. Assistant answers are re-rendered from their whole text as
// pieces stream in (at most once per frame), so half-written Markdown settles as it
// completes; MarkdownView rebuilds only the blocks whose text changed. A separate live region reads the answer to screen readers a sentence at a time
// instead of re-announcing the whole message on every token.
import { MarkdownView } from './markdown_dom.js';

const SENTENCE_END = /[.!?:;](?=\s)|\n/g;

// On wide screens the message list scrolls on its own; on narrow ones the page does.
function scroller(list) {
  return list.scrollHeight > list.clientHeight + 1 ? list : (document.scrollingElement ?? document.documentElement);
}

function nearBottom(list) {
  const el = scroller(list);
  const visible = el === list ? list.clientHeight : window.innerHeight;
  return el.scrollHeight - (el.scrollTop + visible) < 120;
}

function scrollToBottom(list) {
  const el = scroller(list);
  el.scrollTop = el.scrollHeight;
}

function messageShell(role, label) {
  const li = document.createElement('li');
  li.className = `message ${role}`;
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = label;
  const body = document.createElement('div');
  body.className = 'body';
  const meta = document.createElement('p');
  meta.className = 'meta';
  li.append(who, body, meta);
  return { li, body, meta };
}

export class ChatView {
  constructor({ list, empty, live }) {
    this.list = list;
    this.empty = empty;
    this.live = live;
  }

  clear() {
    this.list.replaceChildren();
    this.live.replaceChildren();
    this.empty.hidden = false;
  }

  addUser(text) {
    this.empty.hidden = true;
    const { li, body } = messageShell('user', 'You');
    body.textContent = text;
    this.list.append(li);
    scrollToBottom(this.list);
  }

  // A tool call the page ran (Tools mode), as one compact line: "called NAME(ARGS) → RESULT".
  addToolCall(line, failed = false) {
    this.empty.hidden = true;
    const { li, body } = messageShell('tool', 'Tool');
    if (failed) li.classList.add('failed');
    const code = document.createElement('code');
    code.textContent = line;
    body.append(code);
    this.list.append(li);
    this.live.append(Object.assign(document.createElement('span'), { textContent: `${line} ` }));
    scrollToBottom(this.list);
  }

  startAssistant() {
    this.empty.hidden = true;
    this.live.replaceChildren();
    const shell = messageShell('assistant', 'SmolLM');
    shell.li.classList.add('streaming');
    shell.li.setAttribute('aria-busy', 'true');
    this.list.append(shell.li);
    scrollToBottom(this.list);
    return new AssistantMessage(shell, this.live, this.list);
  }
}

class AssistantMessage {
  constructor({ li, body, meta }, live, list) {
    this.list = list;
    this.li = li;
    this.body = body;
    this.markdown = new MarkdownView(body);
    this.meta = meta;
    this.live = live;
    this.text = '';
    this.announced = 0;
    this.frame = 0;
  }

  append(piece) {
    this.text += piece;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    const follow = nearBottom(this.list);
    this.markdown.update(this.text);
    if (follow) scrollToBottom(this.list);
    this.announce(false);
  }

  announce(all) {
    let upTo = this.announced;
    if (all) {
      upTo = this.text.length;
    } else {
      SENTENCE_END.lastIndex = this.announced;
      let m;
      while ((m = SENTENCE_END.exec(this.text))) upTo = m.index + 1;
    }
    const sentence = this.text.slice(this.announced, upTo).trim();
    this.announced = upTo;
    if (sentence) {
      const span = document.createElement('span');
      span.textContent = `${sentence} `;
      this.live.append(span);
    }
  }

  // note: a short status under the answer ("Stopped", "Reached the max tokens limit").
  finish(note = '') {
    if (this.frame) cancelAnimationFrame(this.frame);
    const follow = nearBottom(this.list);
    this.render();
    this.announce(true);
    if (note) this.live.append(Object.assign(document.createElement('span'), { textContent: note }));
    this.li.classList.remove('streaming');
    this.li.removeAttribute('aria-busy');
    this.meta.textContent = note;
    if (follow) scrollToBottom(this.list);
  }

  // Replaces the whole text (the JSON mode shows its streamed text as a code block, then
  // swaps it for the pretty-printed object).
  replace(text) {
    this.text = text;
    this.announced = Math.min(this.announced, text.length);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  // Takes an answer that ended up empty off the list (a Tools round that only called).
  remove() {
    this.li.remove();
  }

  fail(message) {
    this.finish(message);
    this.li.classList.add('failed');
  }
}
