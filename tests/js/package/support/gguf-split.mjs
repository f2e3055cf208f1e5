// Splits a GGUF into N files the way llama.cpp's gguf-split does: every part is a GGUF with
// split.no / split.count / split.tensors.count; the first keeps all metadata, each part holds
// a consecutive run of tensors with its own data section.
const SCALAR_BYTES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

class Reader {
  constructor(buf) { this.buf = buf; this.at = 0; }
  u32() { const v = this.buf.readUInt32LE(this.at); this.at += 4; return v; }
  u64() { const v = Number(this.buf.readBigUInt64LE(this.at)); this.at += 8; return v; }
  str() { const n = this.u64(); const s = this.buf.toString('utf8', this.at, this.at + n); this.at += n; return s; }
  skipValue(type) {
    if (type === 8) { this.str(); return; }
    if (type === 9) {
      const elem = this.u32();
      const n = this.u64();
      for (let i = 0; i < n; ++i) this.skipValue(elem);
      return;
    }
    this.at += SCALAR_BYTES[type];
  }
}

function u32(v) { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; }
function u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; }
function str(s) { const b = Buffer.from(s); return Buffer.concat([u64(b.length), b]); }
function kvU16(key, v) { const b = Buffer.alloc(2); b.writeUInt16LE(v); return Buffer.concat([str(key), u32(2), b]); }
function kvI32(key, v) { const b = Buffer.alloc(4); b.writeInt32LE(v); return Buffer.concat([str(key), u32(5), b]); }

export function splitGguf(file, parts) {
  const r = new Reader(file);
  if (r.buf.toString('latin1', 0, 4) !== 'GGUF') throw new Error('not a GGUF');
  r.at = 4;
  const version = r.u32();
  const nTensors = r.u64();
  const nKv = r.u64();
  const kvs = [];
  let alignment = 32;
  for (let i = 0; i < nKv; ++i) {
    const start = r.at;
    const key = r.str();
    const type = r.u32();
    const valueAt = r.at;
    r.skipValue(type);
    if (key === 'general.alignment') alignment = file.readUInt32LE(valueAt);
    kvs.push(file.subarray(start, r.at));
  }
  const tensors = [];
  for (let i = 0; i < nTensors; ++i) {
    const name = r.str();
    const nDims = r.u32();
    const ne = Array.from({ length: nDims }, () => r.u64());
    const type = r.u32();
    const offset = r.u64();
    tensors.push({ name, ne, type, offset });
  }
  const dataStart = Math.ceil(r.at / alignment) * alignment;
  const ends = tensors.map((t, i) => (i + 1 < tensors.length ? tensors[i + 1].offset : file.length - dataStart));
  const per = Math.ceil(tensors.length / parts);
  const out = [];
  for (let p = 0; p < parts; ++p) {
    const mine = tensors.slice(p * per, (p + 1) * per);
    const mineEnds = ends.slice(p * per, (p + 1) * per);
    const meta = [kvU16('split.no', p), kvU16('split.count', parts), kvI32('split.tensors.count', tensors.length)];
    const kvList = p === 0 ? [...kvs, ...meta] : meta;
    const infos = [];
    const datas = [];
    let offset = 0;
    mine.forEach((t, i) => {
      infos.push(Buffer.concat([str(t.name), u32(t.ne.length), ...t.ne.map(u64), u32(t.type), u64(offset)]));
      const bytes = file.subarray(dataStart + t.offset, dataStart + mineEnds[i]);
      datas.push(bytes);
      offset += bytes.length;
    });
    let header = Buffer.concat([Buffer.from('GGUF'), u32(version), u64(mine.length), u64(kvList.length), ...kvList, ...infos]);
    header = Buffer.concat([header, Buffer.alloc(Math.ceil(header.length / alignment) * alignment - header.length)]);
    out.push(Buffer.concat([header, ...datas]));
  }
  return out;
}
