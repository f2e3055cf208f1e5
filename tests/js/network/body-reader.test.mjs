// The body reader the HTTP and Cache Storage sources share: byte streams (fetch bodies, in
// browsers and in Node) are read through one reused buffer, any other stream the default way,
// and the reader says which, because a consumer that keeps a reused chunk must copy it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { BOUNCE_BUFFER_BYTES, openBodyReader } from '../../../js/src/loader/body-reader.js';

function pattern(n) {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; ++i) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

async function readAll(reader) {
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push({ view: value, copy: value.slice() });
  }
  return chunks;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

test('a fetch body is read through one reused buffer, in order, whole', async () => {
  const bytes = pattern(3 * BOUNCE_BUFFER_BYTES + 12345);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': bytes.length });
    // Small writes, so the reader sees many chunks and reuses its buffer for each.
    let at = 0;
    const next = () => {
      while (at < bytes.length) {
        const end = Math.min(bytes.length, at + 256 * 1024);
        const more = res.write(bytes.subarray(at, end));
        at = end;
        if (!more) return res.once('drain', next);
      }
      res.end();
    };
    next();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${server.address().port}/`);
    const reader = openBodyReader(response.body);
    assert.equal(reader.reusesBuffer, true, 'fetch bodies are byte streams in Node 20');
    const chunks = await readAll(reader);
    assert.ok(chunks.length > 1, `${chunks.length} chunk(s)`);
    assert.ok(chunks.every((c) => c.copy.byteLength <= BOUNCE_BUFFER_BYTES), 'no chunk exceeds the buffer');
    assert.deepEqual(concat(chunks.map((c) => c.copy)), bytes, 'the copies, in order, are the body');
    // What reusesBuffer warns about: an earlier chunk's view is gone once the next read ran.
    assert.equal(chunks[0].view.byteLength, 0, 'the first chunk was handed back to the stream for the next read');
  } finally {
    server.close();
  }
});

// Browsers' ArrayBuffer.prototype.transfer (absent in Node 20) stands in as an own method that
// records which buffers were released.
function releasable(bytes, released) {
  const copy = bytes.slice();
  copy.buffer.transfer = () => { released.push(copy.buffer); return new ArrayBuffer(0); };
  return copy;
}

test('a stream that is not a byte stream is read the default way; each chunk is released on the next read', async () => {
  const parts = [pattern(1000), pattern(5), pattern(70000)];
  const released = [];
  const enqueued = parts.map((p) => releasable(p, released));
  const stream = new ReadableStream({
    start(controller) {
      for (const chunk of enqueued) controller.enqueue(chunk);
      controller.close();
    },
  });
  const reader = openBodyReader(stream);
  assert.equal(reader.reusesBuffer, true, 'a consumer must copy what it keeps');
  const seen = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    assert.equal(released.length, seen.length, 'the chunk just read is not released yet, every earlier one is');
    seen.push(value.slice());
  }
  assert.deepEqual(seen, parts, 'the copies, in order, are the body');
  assert.deepEqual(released, enqueued.map((c) => c.buffer), 'each chunk released once the next read was asked for');
});

test('chunks sliced from one buffer are never released (the others still need it)', async () => {
  const whole = pattern(3000);
  const released = [];
  const shared = releasable(whole, released);
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(shared.subarray(0, 1000));
      controller.enqueue(shared.subarray(1000, 3000));
      controller.close();
    },
  });
  const reader = openBodyReader(stream);
  const seen = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen.push(value.slice());
  }
  assert.deepEqual(concat(seen), whole);
  assert.deepEqual(released, []);
});

test('cancel ends a byte stream read early', async () => {
  let cancelled = null;
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      controller.enqueue(pattern(1024));
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const reader = openBodyReader(stream);
  assert.equal(reader.reusesBuffer, true);
  const { done, value } = await reader.read();
  assert.equal(done, false);
  assert.equal(value.byteLength, 1024);
  await reader.cancel('enough');
  assert.equal(cancelled, 'enough');
});
