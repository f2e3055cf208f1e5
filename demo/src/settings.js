// Sampling settings and the system prompt, kept in localStorage between visits.

const STORAGE_KEY = 'smollm-demo-settings';
// SmolLM2's model card recommends temperature 0.2 and top-p 0.9.
export const DEFAULT_SETTINGS = Object.freeze({ systemPrompt: '', temperature: 0.2, topP: 0.9, maxTokens: 512 });

function readStored() {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

function clampNumber(value, min, max, fallback) {
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

function sanitize(raw) {
  return {
    systemPrompt: typeof raw.systemPrompt === 'string' ? raw.systemPrompt : DEFAULT_SETTINGS.systemPrompt,
    temperature: clampNumber(raw.temperature, 0, 2, DEFAULT_SETTINGS.temperature),
    topP: clampNumber(raw.topP, 0.05, 1, DEFAULT_SETTINGS.topP),
    maxTokens: Math.round(clampNumber(raw.maxTokens, 1, 8192, DEFAULT_SETTINGS.maxTokens)),
  };
}

export function initSettings({ systemPrompt, temperature, temperatureValue, topP, topPValue, maxTokens, reset }) {
  let current = sanitize({ ...DEFAULT_SETTINGS, ...readStored() });

  const show = () => {
    systemPrompt.value = current.systemPrompt;
    temperature.value = String(current.temperature);
    temperatureValue.textContent = current.temperature.toFixed(2);
    topP.value = String(current.topP);
    topPValue.textContent = current.topP.toFixed(2);
    maxTokens.value = String(current.maxTokens);
  };
  const save = () => {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(current));
    } catch {
      // Private modes may refuse storage; the settings still apply to this visit.
    }
  };
  const update = () => {
    current = sanitize({
      systemPrompt: systemPrompt.value,
      temperature: temperature.value,
      topP: topP.value,
      maxTokens: maxTokens.value === '' ? current.maxTokens : maxTokens.value,
    });
    temperatureValue.textContent = current.temperature.toFixed(2);
    topPValue.textContent = current.topP.toFixed(2);
    save();
  };

  for (const input of [systemPrompt, temperature, topP, maxTokens]) input.addEventListener('input', update);
  maxTokens.addEventListener('change', show); // snap an out-of-range number back into range
  reset.addEventListener('click', () => {
    current = { ...DEFAULT_SETTINGS };
    save();
    show();
  });
  show();
  return { get: () => ({ ...current }) };
}
