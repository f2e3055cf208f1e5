// The KV cache's storage types, a load option: `kvCacheType` sets keys and values together,
// `kvCacheKeyType` / `kvCacheValueType` override one of them. The names are llama.cpp's
// (`--cache-type-k q8_0`), lower case. Per token and layer the cache holds 2 x kv_dim values:
// f16 2 bytes each, q8_0 34 bytes per 32 (1.06), q4_0 18 bytes per 32 (0.56).
import { loadChoice } from './load-choice.js';

/** @typedef {'f16' | 'q8_0' | 'q4_0'} KvCacheType */

/** @type {ReadonlyArray<KvCacheType>} */
export const KV_CACHE_TYPES = Object.freeze(['f16', 'q8_0', 'q4_0']);

/**
 * @param {unknown} value
 * @param {string} name the option's name, for the message
 * @returns {KvCacheType | undefined}
 */
const checkedType = (value, name) => loadChoice(value, KV_CACHE_TYPES, name);

/**
 * The key and value types a load asks for (default f16 for both).
 * @param {{ kvCacheType?: unknown, kvCacheKeyType?: unknown, kvCacheValueType?: unknown }} options
 * @returns {{ key: KvCacheType, value: KvCacheType }}
 */
export function kvCacheTypes(options) {
  const both = checkedType(options.kvCacheType, 'kvCacheType') ?? 'f16';
  return {
    key: checkedType(options.kvCacheKeyType, 'kvCacheKeyType') ?? both,
    value: checkedType(options.kvCacheValueType, 'kvCacheValueType') ?? both,
  };
}
