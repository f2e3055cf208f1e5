// Hand-built GGUF files for the error tests: headers that claim what no real file of ours
// would (a 40 GB model, an unknown architecture, a weight type without kernels). Only the
// header is built in memory; dataBytes says how large the file claims to be.
const TYPE = { U32: 4, I32: 5, F32: 6, STRING: 8, ARRAY: 9 };
const GGML = { F32: 0, F16: 1, I32: 26 };
const BYTES_PER_ELEMENT = { [GGML.F32]: 4, [GGML.F16]: 2, [GGML.I32]: 4 };
const ALIGN = 32;

class Writer {
  constructor() { this.parts = []; }
  u32(v) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.parts.push(b); }
  i32(v) { const b = Buffer.alloc(4); b.writeInt32LE(v); this.parts.push(b); }
  u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.parts.push(b); }
  f32(v) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.parts.push(b); }
  str(s) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.parts.push(b); }
  bytes() { return Buffer.concat(this.parts); }
}

function writeValue(w, value) {
  if (typeof value === 'string') { w.u32(TYPE.STRING); w.str(value); return; }
  if (typeof value === 'number' && Number.isInteger(value)) { w.u32(TYPE.U32); w.u32(value); return; }
  if (typeof value === 'number') { w.u32(TYPE.F32); w.f32(value); return; }
  if (Array.isArray(value) && typeof value[0] === 'string') {
    w.u32(TYPE.ARRAY); w.u32(TYPE.STRING); w.u64(value.length); value.forEach((s) => w.str(s)); return;
  }
  if (Array.isArray(value)) {
    w.u32(TYPE.ARRAY); w.u32(TYPE.I32); w.u64(value.length); value.forEach((v) => w.i32(v)); return;
  }
  throw new Error(`cannot encode ${value}`);
}

// llama metadata for the given shape, with a tiny byte-level vocabulary.
export function llamaHeader({ arch = 'llama', dim = 64, layers = 1, heads = 4, kvHeads = 4, ffn = 128, vocab = 260, context = 2048, type = GGML.F32, typeOverride = {} } = {}) {
  const tokens = Array.from({ length: vocab }, (_, i) => (i < 4 ? ['<unk>', '<s>', '</s>', '<pad>'][i] : `t${i}`));
  const metadata = {
    'general.architecture': arch,
    'general.name': 'crafted',
    [`${arch}.context_length`]: context,
    [`${arch}.embedding_length`]: dim,
    [`${arch}.block_count`]: layers,
    [`${arch}.feed_forward_length`]: ffn,
    [`${arch}.attention.head_count`]: heads,
    [`${arch}.attention.head_count_kv`]: kvHeads,
    [`${arch}.rope.freq_base`]: 10000.5,
    [`${arch}.attention.layer_norm_rms_epsilon`]: 0.00001,
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': 'gpt2',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.token_type': tokens.map((_, i) => (i < 4 ? 3 : 1)),
    'tokenizer.ggml.merges': ['t 4'],
    'tokenizer.ggml.bos_token_id': 1,
    'tokenizer.ggml.eos_token_id': 2,
  };
  const tensors = [['token_embd.weight', [dim, vocab], type], ['output_norm.weight', [dim], GGML.F32]];
  for (let l = 0; l < layers; ++l) {
    const hd = dim / heads;
    tensors.push(
      [`blk.${l}.attn_norm.weight`, [dim], GGML.F32],
      [`blk.${l}.attn_q.weight`, [dim, dim], type],
      [`blk.${l}.attn_k.weight`, [dim, hd * kvHeads], type],
      [`blk.${l}.attn_v.weight`, [dim, hd * kvHeads], type],
      [`blk.${l}.attn_output.weight`, [dim, dim], type],
      [`blk.${l}.ffn_norm.weight`, [dim], GGML.F32],
      [`blk.${l}.ffn_gate.weight`, [dim, ffn], type],
      [`blk.${l}.ffn_up.weight`, [dim, ffn], type],
      [`blk.${l}.ffn_down.weight`, [ffn, dim], type],
    );
  }
  return buildGguf(metadata, tensors.map(([name, ne, t]) => [name, ne, typeOverride[name] ?? t]));
}

// {header: Buffer, fileBytes: number}: the header padded to the data section, and the size
// of the whole file it describes (header + every tensor, aligned).
export function buildGguf(metadata, tensors) {
  const w = new Writer();
  w.parts.push(Buffer.from('GGUF'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    w.str(key);
    writeValue(w, value);
  }
  let offset = 0;
  for (const [name, ne, type] of tensors) {
    w.str(name);
    w.u32(ne.length);
    ne.forEach((d) => w.u64(d));
    w.u32(type);
    w.u64(offset);
    const bytes = ne.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[type];
    offset += Math.ceil(bytes / ALIGN) * ALIGN;
  }
  let header = w.bytes();
  const padded = Math.ceil(header.length / ALIGN) * ALIGN;
  header = Buffer.concat([header, Buffer.alloc(padded - header.length)]);
  return { header, fileBytes: padded + offset };
}

// A complete small file (zero weights), for cases that must get past the download.
export function wholeFile(built) {
  return Buffer.concat([built.header, Buffer.alloc(built.fileBytes - built.header.length)]);
}

export { GGML };
