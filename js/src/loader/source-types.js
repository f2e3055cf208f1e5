// The shape every model file source shares, so the loader reads any of them the same way:
// HttpSource (a download), BlobSource and NodeFileSource (files on this machine) and the
// offline cache's sources (cache/*.js). Types only.

/**
 * One item a source yields: the next bytes in file order, or word that the source started
 * over from byte 0 (a server that ignored a Range request), with the reason in words.
 * @typedef {{bytes: Uint8Array, offset: number} | {restart: string}} SourceItem
 */

/**
 * @typedef {object} ModelFileSource
 * @property {string} name how messages name the file (its URL or path)
 * @property {'download' | 'cache'} kind the progress phase its bytes count under
 * @property {number | null} size the file's size where known (a download learns it from its
 *   first response, so it may change while chunks() runs)
 * @property {string | null} etag
 * @property {boolean} chunksAreFresh false when each chunk is overwritten by the next read (a
 *   reused buffer): a consumer that keeps a chunk must copy it
 * @property {(signal?: AbortSignal) => Promise<number | null>} probeSize the size without
 *   reading the file, or null
 * @property {(signal?: AbortSignal) => AsyncGenerator<SourceItem, void, undefined>} chunks
 */

/**
 * One model file as resolveSources gives it.
 * @typedef {object} SourceEntry
 * @property {ModelFileSource} source where its bytes come from (replaced by refetch())
 * @property {string | null} url the offline cache's key, or null for a local file
 * @property {boolean} cached whether source reads the offline cache's copy
 * @property {boolean} cache whether a download is stored in the offline cache
 * @property {(() => ModelFileSource) | null} refetch the download to use instead of a cached
 *   copy that turned out damaged
 */

export {};
