// Reads a byte stream (a fetch body, a cached Response's body) into one reused buffer where
// the stream allows BYOB reads, else with a default reader. The default reader hands out a new
// ArrayBuffer per chunk: for a 1 GB model that is ~1,700 fresh 600 KB buffers, each one paged
// in by the OS and later garbage collected, and that churn, on the one thread that reads, set
// the download rate. Measured on the 2-core test machine, 1 GB from 127.0.0.1 copied into a
// SharedArrayBuffer as the loader does: Chromium 156 1.32-1.42 s with a reused 4 MiB buffer
// vs 1.6-2.1 s for a default reader that does not even copy; Firefox ESR 153 5.0-5.2 s vs
// 5.9-6.8 s with the copy. Larger buffers gained nothing; 1 MiB and 256 KiB were slower.
export const BOUNCE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * A byte stream's reader. reusesBuffer: each chunk is overwritten by the next read, so a
 * consumer that keeps one must copy it first.
 * @typedef {object} BodyReader
 * @property {boolean} reusesBuffer
 * @property {() => Promise<ReadableStreamReadResult<Uint8Array>>} read
 * @property {(reason?: unknown) => Promise<void>} cancel
 */

/**
 * @param {ReadableStream<Uint8Array>} stream
 * @returns {BodyReader}
 */
export function openBodyReader(stream) {
  /** @type {ReadableStreamBYOBReader | null} */
  let byob = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream (or an engine without BYOB readers): read it the default way.
  }
  if (byob === null) {
    // WebKit refuses BYOB readers on fetch bodies. Its default reader's chunks (up to 47 MiB
    // each) were not collected before the load ended: a plain fetch of a 1 GB file peaked at
    // 2,287 MiB in the tab, 1,287 MiB when each chunk is freed (transfer(0)) once the next is
    // asked for (bench/LOAD_MEMORY.md). So the consumer is told the chunk is reused, copies
    // what it keeps, and the chunk's memory is released on the next read. Only a chunk that
    // owns its whole buffer is released: a source may slice several chunks from one buffer.
    const reader = stream.getReader();
    /** @type {(ArrayBuffer & {transfer?: (length: number) => ArrayBuffer}) | null} */
    let previous = null;
    return {
      reusesBuffer: true,
      async read() {
        try {
          previous?.transfer?.(0);
        } catch {
          // Not transferable (a buffer of the engine's own): nothing to release.
        }
        previous = null;
        const result = await reader.read();
        const value = result.value;
        if (value && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength &&
            value.buffer instanceof ArrayBuffer) {
          previous = value.buffer;
        }
        return result;
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  const reader = byob;
  let buffer = new ArrayBuffer(BOUNCE_BUFFER_BYTES);
  return {
    reusesBuffer: true,
    async read() {
      // The read transfers the buffer into the stream and back out as value.buffer.
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (value) buffer = value.buffer;
      return done ? { done: true, value: undefined } : { done: false, value };
    },
    cancel: (reason) => reader.cancel(reason),
  };
}
