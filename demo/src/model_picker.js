// The model list: presets, models the local server offers, and other cached downloads, each
// marked when a complete copy is in the offline cache and deletable from there. Custom URLs
// and local files (picker or drag and drop) load directly.
import { formatBytes } from './format.js';

const LAST_CHOICE_KEY = 'smollm-demo-model';

function fileNameOf(url) {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() || url);
  } catch {
    return url;
  }
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

export class ModelPicker {
  constructor({ list, urlForm, urlInput, fileInput, onLoad, onDelete }) {
    this.list = list;
    this.onLoad = onLoad;
    this.onDelete = onDelete;
    this.presets = [];
    this.cached = new Map(); // url -> CachedModel
    urlForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const url = urlInput.value.trim();
      if (!url) {
        urlInput.focus();
        return;
      }
      let parsed;
      try {
        parsed = new URL(url, location.href);
      } catch {
        urlInput.setCustomValidity('Enter a full http(s) URL of a .gguf file.');
        urlInput.reportValidity();
        return;
      }
      urlInput.setCustomValidity('');
      onLoad({ source: parsed.href, label: decodeURIComponent(parsed.pathname.split('/').pop() || parsed.href) });
    });
    urlInput.addEventListener('input', () => urlInput.setCustomValidity(''));
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      if (file) onLoad({ source: file, label: file.name });
      fileInput.value = '';
    });
    this.installDropTarget();
  }

  installDropTarget() {
    let depth = 0;
    const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
    document.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      depth++;
      document.body.classList.add('dragging');
    });
    document.addEventListener('dragleave', (event) => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) document.body.classList.remove('dragging');
    });
    document.addEventListener('dragover', (event) => {
      if (hasFiles(event)) event.preventDefault();
    });
    document.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      document.body.classList.remove('dragging');
      const file = event.dataTransfer.files[0];
      if (file) this.onLoad({ source: file, label: file.name });
    });
  }

  setPresets(presets) {
    this.presets = presets;
    this.render();
  }

  setCached(models) {
    this.cached = new Map(models.map((m) => [m.url, m]));
    this.render();
  }

  selected() {
    const input = this.list.querySelector('input[type="radio"]:checked');
    if (!input) return null;
    const entry = this.entries().find((e) => e.id === input.value);
    return entry ? { source: entry.url, label: entry.title, id: entry.id } : null;
  }

  remember(id) {
    try {
      localStorage.setItem(LAST_CHOICE_KEY, id);
    } catch {
      // Only a convenience.
    }
  }

  entries() {
    const known = new Set(this.presets.map((p) => p.url));
    const extra = [...this.cached.values()]
      .filter((m) => !known.has(m.url))
      .map((m) => {
        const file = fileNameOf(m.url);
        return { id: `cached:${m.url}`, group: 'Other cached models', name: file, title: file, url: m.url, bytes: m.bytes, note: hostOf(m.url) };
      });
    return [...this.presets, ...extra];
  }

  render() {
    const previous = this.list.querySelector('input[type="radio"]:checked')?.value;
    let stored = null;
    try {
      stored = localStorage.getItem(LAST_CHOICE_KEY);
    } catch {
      stored = null;
    }
    const entries = this.entries();
    const chosen = [previous, stored].find((id) => id && entries.some((e) => e.id === id)) ?? entries[0]?.id;
    // Keep keyboard focus on the same control across the re-render.
    const focused = this.list.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused && (focused.id || focused.getAttribute('aria-label'));
    this.list.replaceChildren();
    let group = null;
    for (const entry of entries) {
      if (entry.group !== group) {
        group = entry.group;
        const heading = document.createElement('p');
        heading.className = 'preset-group';
        heading.textContent = group;
        this.list.append(heading);
      }
      this.list.append(this.renderEntry(entry, entry.id === chosen));
    }
    if (focusKey) {
      const again = [...this.list.querySelectorAll('input, button')]
        .find((el) => el.id === focusKey || el.getAttribute('aria-label') === focusKey);
      (again ?? this.list.querySelector('input:checked'))?.focus();
    }
  }

  renderEntry(entry, checked) {
    const row = document.createElement('div');
    row.className = 'preset';
    const inputId = `model-${entry.id.replace(/[^\w-]/g, '_')}`;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'model';
    radio.id = inputId;
    radio.value = entry.id;
    radio.checked = checked;
    radio.addEventListener('change', () => this.remember(entry.id));
    const label = document.createElement('label');
    label.htmlFor = inputId;
    const name = document.createElement('span');
    name.className = 'quant';
    name.textContent = entry.name;
    const size = document.createElement('span');
    size.className = 'size';
    size.textContent = entry.bytes ? formatBytes(entry.bytes) : 'size unknown';
    label.append(name, size);
    const cachedCopy = this.cached.get(entry.url);
    if (cachedCopy) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = 'offline ✓';
      badge.title = `Cached ${new Date(cachedCopy.storedAt).toLocaleString()}`;
      label.append(badge);
    }
    if (entry.note) {
      const note = document.createElement('span');
      note.className = 'note';
      note.textContent = entry.note;
      label.append(note);
    }
    row.append(radio, label);
    if (cachedCopy) {
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'delete';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', `Delete the offline copy of ${entry.title}`);
      del.addEventListener('click', () => this.onDelete({ url: entry.url, label: entry.title }));
      row.append(del);
    }
    return row;
  }
}
