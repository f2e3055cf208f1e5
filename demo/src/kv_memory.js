// What a KV cache costs: the engine's formula (KvCache::bytes_for, src/model/kv_cache.cpp):
// layers x context x (a key row + a value row), a row being kvDim values in the cache's type.
// f16 stores 2 bytes a value; q8_0 and q4_0 store blocks of 32 values in 34 and 18 bytes.

export const KV_TYPES = Object.freeze([
  { value: 'q8_0', label: 'q8_0 (8-bit)', block: 32, blockBytes: 34 },
  { value: 'f16', label: 'f16 (16-bit)', block: 1, blockBytes: 2 },
  { value: 'q4_0', label: 'q4_0 (4-bit)', block: 32, blockBytes: 18 },
]);
export const DEFAULT_KV_TYPE = 'q8_0';
// 'auto': the model's trained context where it fits in memory (the package decides).
export const CONTEXT_CHOICES = Object.freeze(['auto', 512, 1024, 2048, 4096, 8192]);
export const DEFAULT_CONTEXT = 'auto';

export function isKvType(value) {
  return KV_TYPES.some((t) => t.value === value);
}

/** Bytes of one cache row of `kvDim` values; null when the type's blocks do not divide it. */
export function rowBytes(type, kvDim) {
  const t = KV_TYPES.find((k) => k.value === type);
  if (!t) throw new Error(`unknown KV cache type ${type}`);
  if (kvDim % t.block !== 0) return null;
  return (kvDim / t.block) * t.blockBytes;
}

/**
 * The KV cache's bytes for a model shape (gguf_shape.js), a context and one type for keys and
 * values; null when the type cannot store this model's rows (the engine refuses it then too:
 * its head size must be a multiple of 32 for q8_0 / q4_0).
 * @param {{layers: number, headDim: number, kvDim: number}} shape
 * @param {number} context
 * @param {string} type
 */
export function kvCacheBytes(shape, context, type) {
  const t = KV_TYPES.find((k) => k.value === type);
  if (!t || shape.headDim % t.block !== 0) return null;
  return shape.layers * context * 2 * rowBytes(type, shape.kvDim);
}

/** The context a choice asks for: a number, or the trained context for 'auto'. */
export function contextFor(choice, shape) {
  return choice === 'auto' ? shape.trainedContext : choice;
}

// MiB as the engine's own messages count them (contextSizeReason); GiB from 1 GiB up.
export function formatMiB(bytes) {
  const mib = bytes / 2 ** 20;
  if (mib >= 1024) return `${Number((mib / 1024).toFixed(2))} GiB`;
  if (mib >= 10) return `${Math.round(mib).toLocaleString('en-US')} MiB`;
  return `${Number(mib.toFixed(1))} MiB`;
}

export function formatTokens(n) {
  return `${n.toLocaleString('en-US')} tokens`;
}

/** "KV cache 816 MiB (q8_0, 8,192 tokens)", or why there is no figure. */
export function describeKv(bytes, type, context) {
  if (bytes === null) return `KV cache: ${type} cannot store this model's heads (use f16)`;
  return `KV cache ${formatMiB(bytes)} (${type}, ${formatTokens(context)})`;
}
