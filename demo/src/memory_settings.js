// The model panel's memory settings: the KV cache type and the context size the next load
// asks for, each choice labelled with what its KV cache costs for the selected model (from the
// model's header, read before the download), and after a load what the package actually
// allocated (ModelInfo: contextSize and its reason, the cache types, kvCacheBytes).
import { CONTEXT_CHOICES, KV_TYPES, contextFor, describeKv, formatMiB, formatTokens, kvCacheBytes } from './kv_memory.js';
import { PREFS_KEY, loadOptionsFor, prefsToStore, resolvePrefs } from './kv_prefs.js';
import { shapeOf } from './model_shape_source.js';

function readStored() {
  try {
    return localStorage.getItem(PREFS_KEY);
  } catch {
    return null;
  }
}

function option(value, text) {
  const o = document.createElement('option');
  o.value = String(value);
  o.textContent = text;
  return o;
}

export function initMemorySettings({ kvType, context, kvHint, contextHint, estimate, loaded, presetList, selectedModel }) {
  const prefs = resolvePrefs(readStored(), location.search);
  let shape = null; // the selected model's, once its header is read
  let shapeFor = null; // the source it was read from
  let asked = 0; // bumps per header read, so a late answer for another model is dropped
  let busy = false;

  const contexts = [...CONTEXT_CHOICES];
  if (!contexts.includes(prefs.context)) contexts.push(prefs.context); // ?context=N off the list
  for (const t of KV_TYPES) kvType.append(option(t.value, t.label));
  for (const c of contexts) context.append(option(c, c === 'auto' ? 'Auto' : formatTokens(c)));

  const urlNote = (param, value) => `Set by the page address (?${param}=${value}); remove it to choose here.`;
  if (prefs.fromUrl.kvType) kvHint.textContent = urlNote('kv', prefs.kvType);
  if (prefs.fromUrl.context) contextHint.textContent = urlNote('context', prefs.context);

  const render = () => {
    kvType.value = prefs.kvType;
    context.value = String(prefs.context);
    kvType.disabled = busy || prefs.fromUrl.kvType;
    context.disabled = busy || prefs.fromUrl.context;
    // Each choice's cost, the other setting as it is.
    for (const o of kvType.options) {
      const t = KV_TYPES.find((k) => k.value === o.value);
      const bytes = shape && kvCacheBytes(shape, contextFor(prefs.context, shape), o.value);
      o.textContent = shape ? `${t.label}: ${bytes === null ? 'not for this model' : formatMiB(bytes)}` : t.label;
    }
    for (const o of context.options) {
      const c = o.value === 'auto' ? 'auto' : Number(o.value);
      const name = c === 'auto' ? (shape ? `Auto (${shape.trainedContext.toLocaleString('en-US')}, as trained)` : 'Auto (as trained, if it fits)') : formatTokens(c);
      const bytes = shape && kvCacheBytes(shape, contextFor(c, shape), prefs.kvType);
      o.textContent = shape && bytes !== null ? `${name}: ${formatMiB(bytes)}` : name;
    }
    if (!shape) return;
    const tokens = contextFor(prefs.context, shape);
    const bytes = kvCacheBytes(shape, tokens, prefs.kvType);
    let text = describeKv(bytes, prefs.kvType, tokens);
    if (prefs.context === 'auto') text += ': the trained context, or the largest that fits in memory';
    else if (tokens > shape.trainedContext) text += `, beyond the ${formatTokens(shape.trainedContext)} the model was trained on`;
    estimate.textContent = `${text}.`;
    estimate.dataset.kvBytes = bytes === null ? '' : String(bytes);
    estimate.dataset.context = String(tokens);
  };

  const save = () => {
    try {
      localStorage.setItem(PREFS_KEY, prefsToStore(prefs));
    } catch {
      // Private modes may refuse storage; the choice still applies to this visit.
    }
  };

  kvType.addEventListener('change', () => {
    prefs.kvType = kvType.value;
    save();
    render();
  });
  context.addEventListener('change', () => {
    prefs.context = context.value === 'auto' ? 'auto' : Number(context.value);
    save();
    render();
  });

  // Reads the header of `choice` (a preset, custom URL or file) and shows its figures.
  const showModel = async (choice) => {
    const source = choice?.source ?? null;
    if (source === shapeFor && shape) return;
    const mine = ++asked;
    shape = null;
    shapeFor = source;
    delete estimate.dataset.kvBytes;
    // For scripts and tests driving the page: whether the figures are final ('read'), still
    // coming ('reading': the text and its height are about to change) or not to be had.
    estimate.dataset.header = source ? 'reading' : 'none';
    estimate.textContent = source ? `Reading ${choice.label}'s header for its memory figures…` : 'Pick a model to see what each choice costs.';
    render();
    if (!source) return;
    try {
      const read = await shapeOf(source);
      if (mine !== asked) return;
      shape = read;
      render();
      estimate.dataset.header = 'read';
    } catch (error) {
      if (mine !== asked) return;
      estimate.textContent = `No memory figures for ${choice.label}: its header could not be read (${error?.message ?? error}).`;
      estimate.dataset.header = 'unreadable';
    }
  };

  presetList.addEventListener('change', () => showModel(selectedModel()));
  render();

  return {
    /** The load options of the current choice (URL parameters included). */
    loadOptions: () => loadOptionsFor(prefs),
    /** Shows the figures of the model about to load (a file or URL has no preset to select). */
    showModel,
    /** Shows the selected preset's figures (after the list is filled). */
    refresh: () => showModel(selectedModel()),
    setBusy(value) {
      busy = value;
      render();
    },
    /** What the loaded model got: its context (and why) and its cache, from ModelInfo. */
    showLoaded(info) {
      if (!info) {
        loaded.textContent = '';
        delete loaded.dataset.kvBytes;
        return;
      }
      const type = info.kvCacheKeyType === info.kvCacheValueType ? info.kvCacheKeyType : `${info.kvCacheKeyType} K / ${info.kvCacheValueType} V`;
      loaded.textContent = `Loaded: ${describeKv(info.kvCacheBytes, type, info.contextSize)}. Context: ${info.contextSizeReason}.`;
      loaded.dataset.kvBytes = String(info.kvCacheBytes);
      loaded.dataset.context = String(info.contextSize);
      loaded.dataset.kvType = type;
    },
  };
}
