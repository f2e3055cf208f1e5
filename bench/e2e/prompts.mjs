// The benchmark prompts: texts made of words that are one token each, so every engine sees
// the same token ids even though wllama only takes strings. llama.cpp's own tokenizer
// (node-llama-cpp, vocabulary only) confirms every word and the final id sequences; each
// engine then checks the count (wllama) or the ids (ours, native) it got.
import { getLlama } from 'node-llama-cpp';
import { loadVocab, invalidUtf8Ids, singleTokenWordCandidates } from './vocab.mjs';

// Small deterministic generator (mulberry32) so the prompts are the same in every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(list, seed) {
  const out = list.slice();
  const next = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * @param tokenizerJson path of the SmolLM2 tokenizer.json
 * @param modelPath any GGUF with that vocabulary (read vocabulary-only)
 * @param lengths { warmup, short, long } in tokens
 * @returns { bannedIds, prompts: { warmup, short, long: {text, ids} } }
 */
export async function buildPrompts(tokenizerJson, modelPath, lengths) {
  const vocab = loadVocab(tokenizerJson);
  const bannedIds = invalidUtf8Ids(vocab);
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath, vocabOnly: true });
  try {
    const need = lengths.warmup + lengths.short + lengths.long;
    const words = [];
    for (const cand of shuffled(singleTokenWordCandidates(vocab), 20261123)) {
      const ids = model.tokenize(' ' + cand.word);
      if (ids.length === 1 && ids[0] === cand.id) words.push(cand);
      if (words.length === need) break;
    }
    if (words.length < need) throw new Error(`only ${words.length} one-token words found, need ${need}`);
    // Disjoint slices: no prompt shares a first token with another, so no engine can reuse
    // a cached prefix from the previous request.
    let at = 0;
    const prompts = {};
    for (const [name, n] of Object.entries(lengths)) {
      const slice = words.slice(at, at + n);
      at += n;
      const text = slice.map((w) => ' ' + w.word).join('');
      const ids = slice.map((w) => w.id);
      const check = model.tokenize(text);
      if (check.length !== ids.length || check.some((id, i) => id !== ids[i])) {
        throw new Error(`the ${name} prompt does not tokenize into its ${n} words`);
      }
      prompts[name] = { text, ids };
    }
    return { bannedIds, prompts };
  } finally {
    await model.dispose();
  }
}
