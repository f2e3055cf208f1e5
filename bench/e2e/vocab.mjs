// What the benchmark needs from the SmolLM2 vocabulary (tokenizer.json, byte-level BPE):
// - the byte tokens that are not valid UTF-8 on their own: a random-weight model emits them,
//   and wllama aborts on them, so every engine bans them with the same logit bias;
// - words that are exactly one token each (" word" -> one id), so a text prompt made of N such
//   words is N tokens for every engine, including wllama, which only takes strings.
import { readFileSync } from 'node:fs';

// GPT-2 byte-level BPE maps each byte to a printable code point; this inverts that map.
function byteDecoderTable() {
  const printable = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Map();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) table.set(b, b);
    else table.set(256 + extra++, b);
  }
  return table; // code point -> byte
}

export function loadVocab(tokenizerJsonPath) {
  const json = JSON.parse(readFileSync(tokenizerJsonPath, 'utf8'));
  if (json?.model?.type !== 'BPE' || typeof json.model.vocab !== 'object') {
    throw new Error(`${tokenizerJsonPath}: not a byte-level BPE tokenizer.json`);
  }
  const decoder = byteDecoderTable();
  const special = new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
  const pieces = [];
  for (const [piece, id] of Object.entries(json.model.vocab)) pieces[id] = piece;
  const bytesOf = (piece) => {
    const out = [];
    for (const ch of piece) {
      const b = decoder.get(ch.codePointAt(0));
      if (b === undefined) return null; // not a byte-level piece
      out.push(b);
    }
    return Uint8Array.from(out);
  };
  return { pieces, special, bytesOf, size: pieces.length };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isValidUtf8(bytes) {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// Ids whose bytes do not form valid UTF-8 by themselves (lone lead or continuation bytes).
export function invalidUtf8Ids(vocab) {
  const ids = [];
  vocab.pieces.forEach((piece, id) => {
    if (vocab.special.has(id)) return;
    const bytes = vocab.bytesOf(piece);
    if (bytes && !isValidUtf8(bytes)) ids.push(id);
  });
  return ids;
}

// Candidate one-token words: " " + 3..10 lowercase ASCII letters, in vocabulary order. The
// harness confirms each with llama.cpp's own tokenizer before use.
export function singleTokenWordCandidates(vocab) {
  const out = [];
  vocab.pieces.forEach((piece, id) => {
    if (vocab.special.has(id)) return;
    const m = /^\u0120([a-z]{3,10})$/.exec(piece);
    if (m) out.push({ id, word: m[1] });
  });
  return out;
}
