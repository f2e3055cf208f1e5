// The KV cache type and context size the demo loads with: the visitor's choice, kept in
// localStorage, unless the page address names one (?kv=f16|q8_0|q4_0, ?context=N), which
// wins for this visit and is not saved.
import { CONTEXT_CHOICES, DEFAULT_CONTEXT, DEFAULT_KV_TYPE, isKvType } from './kv_memory.js';

export const PREFS_KEY = 'smollm-demo-memory';

function validContext(value) {
  return value === 'auto' || (Number.isInteger(value) && value > 0);
}

/**
 * @param {string | null} stored localStorage's JSON, or null
 * @param {string} search the page's query string
 * @returns {{kvType: string, context: 'auto' | number, fromUrl: {kvType: boolean, context: boolean},
 *   saved: {kvType: string, context: 'auto' | number}}} the choice, whether the URL made it,
 *   and the visitor's own
 */
export function resolvePrefs(stored, search) {
  let saved = {};
  try {
    const parsed = JSON.parse(stored ?? '{}');
    if (parsed && typeof parsed === 'object') saved = parsed;
  } catch {
    // A damaged entry: the defaults.
  }
  const params = new URLSearchParams(search);
  const urlKv = params.get('kv');
  const urlContext = Number(params.get('context'));
  const fromUrl = { kvType: isKvType(urlKv), context: Number.isInteger(urlContext) && urlContext > 0 };
  const own = {
    kvType: isKvType(saved.kvType) ? saved.kvType : DEFAULT_KV_TYPE,
    context: validContext(saved.context) && CONTEXT_CHOICES.includes(saved.context) ? saved.context : DEFAULT_CONTEXT,
  };
  return {
    kvType: fromUrl.kvType ? urlKv : own.kvType,
    context: fromUrl.context ? urlContext : own.context,
    fromUrl,
    saved: own,
  };
}

/** The load options for a choice: Auto leaves contextSize to the package. */
export function loadOptionsFor({ kvType, context }) {
  return context === 'auto' ? { kvCacheType: kvType } : { kvCacheType: kvType, contextSize: context };
}

/** The JSON kept in localStorage: what the visitor chose, never what the URL forced. */
export function prefsToStore({ kvType, context, fromUrl, saved }) {
  return JSON.stringify({
    kvType: fromUrl.kvType ? saved.kvType : kvType,
    context: fromUrl.context ? saved.context : context,
  });
}
