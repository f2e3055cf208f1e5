// The DOM the demo builds from model answers (demo/src/markdown_dom.js, bundled by Vite into a
// page under the demo's CSP): no element ever comes from model text, links only to http(s)
// and mailto, code blocks highlighted as text inside highlight.js's spans, __init__ and ">>>"
// read right, and a streaming answer rebuilds only the block being written, ending exactly
// as a render of the whole text. Runs in Chromium (playwright-core), Firefox ESR
// (puppeteer-core) and WebKit (one variant: the renderer never touches SharedArrayBuffer).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import { step } from './support.mjs';
import { startMarkdownPage } from '../../../demo/tools/markdown_page.mjs';

const SAME_AS_WEBKIT = 'the Markdown renderer does not depend on SharedArrayBuffer: the webkit run covers WebKit';

for (const engine of ENGINES) {
  const skip = missingBrowser(engine) ?? (engine.name === 'webkit-sab' ? SAME_AS_WEBKIT : null);
  describe(`demo Markdown DOM in ${engine.name}`, { skip: skip ?? false, timeout: 180000 }, () => {
    let browser;
    let page;
    before(async () => {
      page = await startMarkdownPage();
      browser = await engine.launch();
      await browser.goto(page.url);
      await step(browser, 'renderer page ready', () => browser.waitFor(() => window.ready === true, null, 30000));
    });
    after(async () => {
      await browser?.close();
      await page?.close();
    });

    test('model output is rendered as Markdown without ever becoming markup', async () => {
      const result = await browser.evaluate(async () => {
        const { renderMarkdown } = window.modules.markdown;
        const host = document.createElement('div');
        window.__pwned = false;
        host.append(renderMarkdown(
          '# Title\n<img src=x onerror="window.__pwned=true"><script>window.__pwned=true</script>\n\n' +
          '[click](javascript:window.__pwned=true) [ok](https://example.com) <a href="https://evil">x</a>\n\n' +
          '```html\n<b onclick="x">bold?</b>\n```\n- **item** `code`\n\n![pic](https://example.com/p.png)'));
        document.body.append(host);
        await new Promise((r) => setTimeout(r, 100));
        const out = {
          pwned: window.__pwned,
          foreign: host.querySelectorAll('img, script, b, iframe, [onclick], [onerror], [style]').length,
          tags: [...new Set([...host.querySelectorAll('*')].map((e) => e.localName))].sort(),
          hrefs: [...host.querySelectorAll('a')].map((a) => a.getAttribute('href')),
          rel: host.querySelector('a')?.rel,
          target: host.querySelector('a')?.target,
          code: host.querySelector('pre code')?.textContent,
          heading: host.querySelector('h3')?.textContent,
          strong: host.querySelector('li strong')?.textContent,
          text: host.textContent.includes('<img src=x onerror=') && host.textContent.includes('<a href="https://evil">'),
        };
        host.remove();
        return out;
      });
      assert.equal(result.pwned, false);
      assert.equal(result.foreign, 0, `no element came from model text: ${result.tags.join(' ')}`);
      assert.deepEqual(result.tags.filter((t) => !['a', 'br', 'button', 'code', 'figcaption', 'figure', 'h3', 'li', 'p', 'pre', 'span', 'strong', 'ul'].includes(t)), []);
      assert.deepEqual(result.hrefs, ['https://example.com', 'https://example.com/p.png']);
      assert.match(result.rel, /noopener/);
      assert.equal(result.target, '_blank');
      assert.equal(result.code, '<b onclick="x">bold?</b>');
      assert.equal(result.heading, 'Title');
      assert.equal(result.strong, 'item');
      assert.equal(result.text, true, 'the HTML shows as text');
    });

    test('Python code blocks are highlighted, their text unchanged', async () => {
      const source = 'def __init__(self, x):\n    """Doc <b>."""\n    return x + 1  # note\n';
      const result = await browser.evaluate((src) => {
        const { renderMarkdown } = window.modules.markdown;
        const host = document.createElement('div');
        host.append(renderMarkdown(`\`\`\`python\n${src}\`\`\`\n\n\`\`\`\nplain <i>\n\`\`\``));
        const [py, plain] = host.querySelectorAll('pre code');
        const scoped = (cls) => [...py.querySelectorAll(`span.${cls}`)].map((s) => s.textContent);
        return {
          text: py.textContent,
          keyword: scoped('hljs-keyword'),
          string: scoped('hljs-string'),
          comment: scoped('hljs-comment'),
          number: scoped('hljs-number'),
          onlySpans: [...py.querySelectorAll('*')].every((e) => e.localName === 'span' && e.attributes.length === 1 && /^(hljs-|language-)/.test(e.className)),
          plain: plain.textContent,
          plainChildren: plain.children.length,
          label: host.querySelector('.code-lang').textContent,
        };
      }, source);
      assert.equal(result.text, source.replace(/\n$/, ''));
      assert.ok(result.keyword.includes('def') && result.keyword.includes('return'), result.keyword.join(','));
      assert.deepEqual(result.string, ['"""Doc <b>."""']);
      assert.deepEqual(result.comment, ['# note']);
      assert.deepEqual(result.number, ['1']);
      assert.equal(result.onlySpans, true, 'the highlighter adds spans with a class and nothing else');
      assert.equal(result.plain, 'plain <i>');
      assert.equal(result.plainChildren, 0, 'a block without a language is plain text');
      assert.equal(result.label, 'python');
    });

    test('__init__ and doctest prompts read right; tables align by class', async () => {
      const result = await browser.evaluate(() => {
        const { renderMarkdown } = window.modules.markdown;
        const host = document.createElement('div');
        host.append(renderMarkdown('Call __init__ on my_obj.\n\n>>> import os\n... x = 1\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |'));
        return {
          emphasis: host.querySelectorAll('em, strong, blockquote').length,
          first: host.querySelector('p').textContent,
          doctest: host.querySelectorAll('p')[1].textContent,
          aligns: [...host.querySelectorAll('th')].map((th) => th.className),
        };
      });
      assert.equal(result.emphasis, 0);
      assert.equal(result.first, 'Call __init__ on my_obj.');
      assert.equal(result.doctest, '>>> import os... x = 1', 'a paragraph (lines joined by <br>), not a quote');
      assert.deepEqual(result.aligns, ['align-center', 'align-right']);
    });

    test('a streaming answer rebuilds only the block being written and ends as a whole render', async () => {
      const result = await browser.evaluate(() => {
        const { renderMarkdown, MarkdownView } = window.modules.markdown;
        const answer = 'Intro with **bold**.\n\n```python\nfor i in range(3):\n    print(i)\n```\n\n- one\n- two\n\nDone, see [docs](https://example.com).';
        const host = document.createElement('div');
        const view = new MarkdownView(host);
        let firstNode = null;
        let firstKept = true;
        let openFenceSeen = false;
        for (let i = 1; i <= answer.length; i++) {
          view.update(answer.slice(0, i));
          if (i > 30) {
            firstNode ??= host.firstChild;
            if (host.firstChild !== firstNode) firstKept = false;
          }
          if (host.querySelector('.code-block.streaming')) openFenceSeen = true;
        }
        const whole = document.createElement('div');
        whole.append(renderMarkdown(answer));
        return {
          same: host.innerHTML === whole.innerHTML,
          firstKept,
          openFenceSeen,
          closedFence: host.querySelector('.code-block').classList.contains('streaming'),
          blocks: host.children.length,
        };
      });
      assert.equal(result.same, true, 'the streamed DOM equals a render of the whole answer');
      assert.equal(result.firstKept, true, 'the finished first paragraph kept its node');
      assert.equal(result.openFenceSeen, true, 'an open fence is marked as streaming');
      assert.equal(result.closedFence, false, 'a closed fence is not');
      assert.equal(result.blocks, 4);
    });

    test('a long code block streams in pieces: finished pieces keep their nodes, the text is always whole', async () => {
      const result = await browser.evaluate(() => {
        const { renderMarkdown, MarkdownView } = window.modules.markdown;
        const fn = (n) => `def f${n}(x):\n    return x * ${n}  # times ${n}\n\n`;
        const body = Array.from({ length: 12 }, (_, n) => fn(n)).join('');
        const answer = `\`\`\`python\n${body}\`\`\``;
        const host = document.createElement('div');
        const view = new MarkdownView(host);
        let textWhole = true;
        let firstPiece = null;
        let firstKept = true;
        let figure = null;
        let figureKept = true;
        for (let i = 12; i < answer.length - 3; i += 3) {
          view.update(answer.slice(0, i));
          const code = host.querySelector('pre code');
          figure ??= host.querySelector('figure');
          if (host.querySelector('figure') !== figure) figureKept = false;
          const whole = document.createElement('div');
          whole.append(renderMarkdown(answer.slice(0, i)));
          if (code.textContent !== whole.querySelector('pre code').textContent) textWhole = false;
          if (i > answer.length / 2) {
            firstPiece ??= code.firstChild;
            if (code.firstChild !== firstPiece) firstKept = false;
          }
        }
        const streamingKeywords = host.querySelectorAll('.hljs-keyword').length;
        view.update(answer);
        const whole = document.createElement('div');
        whole.append(renderMarkdown(answer));
        return { textWhole, firstKept, figureKept, streamingKeywords, same: host.innerHTML === whole.innerHTML, defs: host.querySelectorAll('.hljs-keyword').length };
      });
      assert.equal(result.textWhole, true, 'the code shown is always the text so far');
      assert.equal(result.firstKept, true, 'the first piece was highlighted once and kept');
      assert.equal(result.figureKept, true, 'the open block\'s figure stays on screen, updated in place');
      assert.ok(result.streamingKeywords >= 20, `highlighted while streaming (${result.streamingKeywords} keywords)`);
      assert.equal(result.same, true, 'the closed block is highlighted whole, as a render of the whole text');
      assert.equal(result.defs, 24);
    });
  });
}
