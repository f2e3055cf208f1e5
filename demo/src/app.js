// The demo chat app: wires the model picker, the chat, the settings and the stats to the
// smollm-wasm package. The package is imported dynamically so the page can still explain
// what is wrong when its files are missing.
import { PRESETS, fetchLocalPresets } from './presets.js';
import { ModelPicker } from './model_picker.js';
import { ChatView } from './chat_view.js';
import { StatsView } from './stats_view.js';
import { initSettings } from './settings.js';
import { initMemorySettings } from './memory_settings.js';
import { showNotice, clearNotice } from './notices.js';
import { describeLoadError, describeChatError } from './plain_errors.js';
import { formatBytes, formatMB, formatSpeed, formatDuration, etaSeconds } from './format.js';
import { registerServiceWorker, willReloadForIsolation } from './sw_register.js';
import { ModePicker } from './chat_modes.js';
import { streamAnswer } from './answer_stream.js';
import { eventResponseFormat, jsonSystemPrompt, jsonBlock, readJsonReply } from './json_mode.js';
import { PAGE_TOOLS, runToolCall, callLine } from './page_tools.js';
import { runToolRounds } from './tool_loop.js';
// The code blocks' colours: highlight.js's own theme (the build emits it with styles.css).
import 'highlight.js/styles/github-dark.css';

const $ = (id) => document.getElementById(id);

// ?build=single-thread|multi-thread and ?threads=N override the package's automatic choice,
// for comparing builds and thread counts on one machine.
function engineOverrides() {
  const params = new URLSearchParams(location.search);
  const overrides = {};
  const build = params.get('build');
  if (build === 'single-thread' || build === 'multi-thread') overrides.build = build;
  const threads = Number(params.get('threads'));
  if (Number.isInteger(threads) && threads > 0) overrides.threads = threads;
  // The KV cache type and context: the memory settings (?kv= and ?context= override them).
  return { ...overrides, ...memory.loadOptions() };
}

const ui = {
  notices: $('notices'),
  modelNotices: $('model-notices'),
  chatNotices: $('chat-notices'),
  loadButton: $('load-button'),
  cancelLoad: $('cancel-load'),
  progress: $('progress'),
  progressBar: $('progress-bar'),
  progressLabel: $('progress-label'),
  loadedModel: $('loaded-model'),
  storageLine: $('storage-line'),
  composer: $('composer'),
  prompt: $('prompt'),
  send: $('send'),
  stop: $('stop'),
  newChat: $('new-chat'),
};

const state = {
  pkg: null,
  llm: null,
  modelTitle: '',
  loading: null, // AbortController of the load in progress
  generating: null, // AbortController of the answer in progress
  history: [],
  conversation: 0, // bumped by New chat, so a late answer never lands in the new one
};

const chat = new ChatView({ list: $('messages'), empty: $('empty-chat'), live: $('answer-live') });
const stats = new StatsView({
  prefill: $('stat-prefill'),
  decode: $('stat-decode'),
  context: $('stat-context'),
  dropped: $('stat-dropped'),
  threads: $('stat-threads'),
  build: $('stat-build'),
  memory: $('stat-memory'),
  meter: $('context-meter'),
});
const modes = new ModePicker({
  group: $('modes'),
  hint: $('mode-hint'),
  onChange: () => setComposerEnabled(Boolean(state.llm)),
});
const settings = initSettings({
  systemPrompt: $('system-prompt'),
  temperature: $('temperature'),
  temperatureValue: $('temperature-value'),
  topP: $('top-p'),
  topPValue: $('top-p-value'),
  maxTokens: $('max-tokens'),
  reset: $('reset-settings'),
});
const picker = new ModelPicker({
  list: $('preset-list'),
  urlForm: $('url-form'),
  urlInput: $('custom-url'),
  fileInput: $('file-input'),
  onLoad: (choice) => loadModel(choice),
  onDelete: (entry) => deleteCached(entry),
});
const memory = initMemorySettings({
  kvType: $('kv-type'),
  context: $('context-size'),
  kvHint: $('kv-type-hint'),
  contextHint: $('context-size-hint'),
  estimate: $('memory-estimate'),
  loaded: $('memory-loaded'),
  presetList: $('preset-list'),
  selectedModel: () => picker.selected(),
});

// --- Startup ---------------------------------------------------------------------------

// Called once the service worker's registration has settled. A registered worker may still
// turn threads on (the page then reloads once by itself); a failed one cannot.
function explainIsolation(serviceWorker) {
  if (self.crossOriginIsolated) return;
  const workerMayHelp = serviceWorker.supported && !serviceWorker.error && willReloadForIsolation();
  showNotice(ui.notices, {
    id: 'no-sab',
    kind: 'warning',
    title: 'Running on one thread: SharedArrayBuffer is not available on this page.',
    detail: 'The model still works, only slower. Threads need the page to be cross-origin ' +
      'isolated (COOP/COEP headers): serve the app with "node demo/serve.mjs"' +
      (workerMayHelp ? ', or wait for its offline helper (service worker), which adds them and reloads the page ' +
        'once if you have not started using it (otherwise reload it yourself).' : '.'),
  });
}

async function start() {
  registerServiceWorker().then(explainIsolation);
  setComposerEnabled(false);
  picker.setPresets([...(await fetchLocalPresets(new URL(/* @vite-ignore */ '../', import.meta.url))), ...PRESETS]);
  memory.refresh();
  try {
    state.pkg = await import('../../js/src/index.js');
  } catch (error) {
    showNotice(ui.notices, {
      id: 'package',
      kind: 'error',
      title: "The engine's files could not be loaded.",
      detail: `Build the package (js/wasm) and serve the app again. Details: ${error?.message ?? error}`,
    });
    ui.loadButton.disabled = true;
    document.body.dataset.ready = 'no-package';
    return;
  }
  await refreshCache();
  ui.loadButton.disabled = false;
  document.body.dataset.ready = 'true'; // for tests and scripts driving the page
}

// --- Loading ---------------------------------------------------------------------------

let shownPhase = null;

function showProgress(p, title) {
  ui.progress.hidden = false;
  if (p.phase !== shownPhase) {
    shownPhase = p.phase;
    requestAnimationFrame(() => ui.progress.scrollIntoView({ block: 'nearest' }));
  }
  const total = p.total > 0 ? p.total : 0;
  ui.progressBar.max = 1;
  if (total) ui.progressBar.value = Math.min(1, p.loaded / total);
  else ui.progressBar.removeAttribute('value');
  if (p.phase === 'download') {
    const parts = [`Downloading ${title}: ${formatMB(p.loaded)} of ${total ? formatMB(total) : '?'}`];
    const speed = formatSpeed(p.bytesPerSecond);
    if (speed) parts.push(speed);
    const eta = formatDuration(etaSeconds(p.loaded, total, p.bytesPerSecond));
    if (eta) parts.push(`${eta} left`);
    ui.progressLabel.textContent = parts.join(' · ');
  } else if (p.phase === 'cache') {
    ui.progressLabel.textContent = `Reading ${title} from this device: ${formatMB(p.loaded)} of ${formatMB(total)}`;
  } else {
    ui.progressLabel.textContent = `Preparing the engine for ${title}…`;
  }
  if (p.restarted) {
    showNotice(ui.modelNotices, {
      id: 'restarted',
      kind: 'warning',
      title: 'The download had to start again from the beginning.',
      detail: p.restarted,
    });
  }
}

async function loadModel(choice) {
  if (!state.pkg || state.loading) return;
  const { source, label } = choice;
  clearNotice(ui.modelNotices, 'load');
  clearNotice(ui.modelNotices, 'restarted');
  clearNotice(ui.modelNotices, 'build');
  state.generating?.abort();
  const controller = new AbortController();
  state.loading = controller;
  setLoadingUi(true);
  shownPhase = null;
  ui.progressLabel.textContent = `Starting ${label}…`;
  ui.progressBar.removeAttribute('value');
  ui.progress.scrollIntoView({ block: 'nearest' });
  try {
    if (state.llm) {
      const old = state.llm;
      state.llm = null;
      await old.unload();
    }
    ui.loadedModel.textContent = '';
    memory.showLoaded(null);
    memory.showModel(choice);
    stats.reset();
    const started = performance.now();
    let sawDownload = false;
    const llm = await state.pkg.SmolLM.load(source, {
      ...engineOverrides(),
      // A preset is a download of up to ~1 GB: ask that the browser not evict its copy.
      persist: typeof source === 'string',
      signal: controller.signal,
      onProgress: (p) => {
        sawDownload ||= p.phase === 'download';
        showProgress(p, label);
      },
    });
    state.llm = llm;
    state.modelTitle = label;
    if (choice.id) picker.remember(choice.id);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const from = typeof source === 'string' ? (sawDownload ? 'downloaded' : 'from the offline cache') : 'from a local file';
    const evictable = llm.info.storage?.persisted === false && typeof source === 'string'
      ? ' The browser did not grant persistent storage, so it may delete the offline copy when space runs low.' : '';
    ui.loadedModel.textContent = `Ready: ${label} (${from}, ${seconds} s).${evictable}`;
    stats.showInfo(llm.info);
    memory.showLoaded(llm.info);
    if (llm.info.build === 'single-thread' && self.crossOriginIsolated) {
      showNotice(ui.modelNotices, { id: 'build', kind: 'info', title: 'Running the single-thread build.', detail: llm.info.buildReason });
    }
    setComposerEnabled(true);
    ui.prompt.focus();
  } catch (error) {
    const plain = describeLoadError(error, source);
    showNotice(ui.modelNotices, {
      id: 'load',
      kind: plain.kind,
      title: plain.title,
      detail: plain.detail,
      actions: plain.retry ? [{ label: 'Retry', primary: true, onClick: () => loadModel(choice) }] : [],
    }).scrollIntoView({ block: 'nearest' });
    setComposerEnabled(false);
  } finally {
    state.loading = null;
    setLoadingUi(false);
    refreshCache();
  }
}

function setLoadingUi(loading) {
  ui.loadButton.disabled = loading || !state.pkg;
  ui.cancelLoad.hidden = !loading;
  ui.progress.hidden = !loading;
  ui.loadButton.setAttribute('aria-busy', String(loading));
  memory.setBusy(loading);
}

async function refreshCache() {
  if (!state.pkg) return;
  try {
    const [models, storage] = await Promise.all([state.pkg.cache.list(), state.pkg.cache.storage()]);
    picker.setCached(models);
    const quota = storage.quotaBytes ? ` of ${formatBytes(storage.quotaBytes)} available to this site` : '';
    ui.storageLine.textContent = models.length
      ? `Offline copies: ${models.length} model${models.length === 1 ? '' : 's'}, ${formatBytes(storage.usedBytes)}${quota}.`
      : '';
  } catch (error) {
    ui.storageLine.textContent = `The offline cache is not available here (${error?.message ?? error}).`;
  }
}

// Asks inline (a blocking confirm() dialog would freeze the page's other work).
function deleteCached({ url, label }) {
  const notice = showNotice(ui.modelNotices, {
    id: 'cache',
    kind: 'warning',
    title: `Delete the offline copy of ${label}?`,
    detail: 'You can download it again later.',
    actions: [{
      label: 'Delete',
      primary: true,
      onClick: async () => {
        try {
          await state.pkg.cache.delete(url);
        } catch (error) {
          showNotice(ui.modelNotices, { id: 'cache', kind: 'error', title: `Could not delete ${label}.`, detail: String(error?.message ?? error) });
        }
        await refreshCache();
        ui.loadButton.focus();
      },
    }],
  });
  notice.scrollIntoView({ block: 'nearest' });
  notice.querySelector('button')?.focus({ preventScroll: true });
}

// --- Chat ------------------------------------------------------------------------------

function setComposerEnabled(enabled) {
  ui.prompt.disabled = !enabled;
  ui.send.disabled = !enabled || Boolean(state.generating);
  ui.prompt.placeholder = enabled ? modes.placeholder() : 'Load a model first';
}

function setGeneratingUi(generating) {
  ui.send.disabled = generating || !state.llm;
  ui.send.hidden = generating;
  ui.stop.hidden = !generating;
}

function finishNote(reason, error) {
  if (error) return 'The answer stopped because of an error.';
  if (reason === 'abort') return 'Stopped.';
  if (reason === 'length') return 'Stopped at the max tokens limit.';
  return '';
}

async function send(text) {
  const llm = state.llm;
  if (!llm || state.generating) return;
  const config = settings.get();
  const mode = modes.mode;
  const conversation = state.conversation;
  state.history.push({ role: 'user', content: text });
  chat.addUser(text);
  const system = mode === 'json' ? jsonSystemPrompt(config.systemPrompt) : config.systemPrompt.trim();
  const messages = system ? [{ role: 'system', content: system }, ...state.history] : [...state.history];
  const controller = new AbortController();
  state.generating = controller;
  setGeneratingUi(true);
  const request = {
    max_tokens: config.maxTokens,
    temperature: config.temperature,
    top_p: config.topP,
    signal: controller.signal,
    ...(mode === 'json' ? { response_format: eventResponseFormat() } : {}),
    ...(mode === 'tools' ? { tools: PAGE_TOOLS } : {}),
  };

  // One streamed request into one answer on screen (Tools mode makes several).
  const round = async (params) => {
    const answer = chat.startAssistant();
    const started = performance.now();
    let firstPieceAt = null;
    let pieces = 0;
    const reply = await streamAnswer(llm, { ...request, ...params }, (piece, all) => {
      const now = performance.now();
      firstPieceAt ??= now;
      pieces++;
      if (mode === 'json') answer.replace(jsonBlock(all));
      else answer.append(piece);
      stats.showLive({ prefillMs: firstPieceAt - started, promptLabel: 'first token after', decodeTokens: pieces, decodeMs: now - firstPieceAt });
    });
    if (mode === 'json' && reply.content && !reply.failure) {
      const json = readJsonReply(reply.content, reply.finishReason);
      answer.replace(json.markdown);
      answer.finish(reply.finishReason === 'abort' ? finishNote('abort') : json.note);
    } else if (!reply.content && reply.toolCalls.length && !reply.failure) {
      answer.finish();
      answer.remove(); // a round that only called: its calls show as lines instead
    } else {
      answer.finish(finishNote(reply.finishReason, reply.failure));
    }
    if (reply.failure) throw reply.failure;
    return reply;
  };

  let failure = null;
  try {
    if (mode === 'tools') {
      const { added } = await runToolRounds({
        round,
        messages,
        runTool: (call) => runToolCall(call, { page: pageFacts }),
        onResult: (_call, result) => chat.addToolCall(callLine(result), result.failed),
      });
      if (state.conversation === conversation) state.history.push(...added);
    } else {
      const reply = await round({ messages });
      if (reply.content && state.conversation === conversation) state.history.push({ role: 'assistant', content: reply.content });
    }
  } catch (error) {
    failure = error;
  }
  if (failure) {
    const plain = describeChatError(failure, llm.info?.contextSize);
    showNotice(ui.chatNotices, { id: 'chat', kind: plain.kind, title: plain.title, detail: plain.detail });
  }
  if (llm.stats && state.llm === llm) stats.showFinal(llm.stats);
  if (state.generating === controller) state.generating = null;
  setGeneratingUi(false);
  setComposerEnabled(Boolean(state.llm));
}

// What get_page_info tells the model.
function pageFacts() {
  return {
    title: document.title,
    model: state.modelTitle,
    language: navigator.language,
    messages_on_screen: document.querySelectorAll('#messages .message').length,
  };
}

function newChat() {
  state.generating?.abort();
  state.conversation++;
  state.history = [];
  chat.clear();
  clearNotice(ui.chatNotices, 'chat');
  if (state.llm) stats.showContext(0, state.llm.info.contextSize);
  ui.prompt.focus();
}

// --- Events ----------------------------------------------------------------------------

ui.loadButton.addEventListener('click', () => {
  const choice = picker.selected();
  if (choice) loadModel(choice);
});
ui.cancelLoad.addEventListener('click', () => state.loading?.abort());
ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.prompt.value.trim();
  if (!text || !state.llm || state.generating) return;
  ui.prompt.value = '';
  send(text);
});
ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.stop.addEventListener('click', () => {
  state.generating?.abort();
  ui.prompt.focus();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.generating) state.generating.abort();
});
ui.newChat.addEventListener('click', newChat);

start();
