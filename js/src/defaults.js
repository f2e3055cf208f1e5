// Generation defaults. Sampling follows the SmolLM2 model card (temperature 0.2, top_p 0.9);
// everything else is off so the caller's choice is the only filter.
export const DEFAULT_SAMPLING = Object.freeze({
  temperature: 0.2,
  topK: 0,
  topP: 0.9,
  minP: 0,
  repeatPenalty: 1,
  presencePenalty: 0,
  frequencyPenalty: 0,
  penaltyLastN: 64,
});

export const DEFAULT_MAX_TOKENS = 256;

// The caller's options over the defaults; undefined values do not override.
export function withDefaults(options) {
  const out = { ...DEFAULT_SAMPLING, maxTokens: DEFAULT_MAX_TOKENS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && key !== 'signal') out[key] = value;
  }
  return out;
}
