// Where the offline cache stands for this origin: the quota, what is used, and whether the
// browser keeps its storage persistently (a best-effort origin's cache, a 1 GB model
// included, may be evicted under storage pressure). With `persist`, asks for persistence.
// navigator.storage.persist() exists on pages only (not in workers), and Firefox answers it
// with a permission prompt that may never be answered: the request starts before the
// download and the load never waits for it; what it gave by the end of the load is reported.
import { isNode } from '../platform.js';

/** @typedef {import('../types.js').StorageStatus} StorageStatus */

/**
 * Starts a persistence request when `persist` is true. Returns {settle}: settle() resolves
 * to the status (null where the platform does not say), without waiting for an unanswered
 * prompt.
 * @param {boolean} persist
 * @returns {{settle: () => Promise<StorageStatus>}}
 */
export function requestStorage(persist) {
  if (isNode) {
    return {
      // A directory on disk: nothing evicts it; its quota is the disk's free space.
      async settle() {
        const { quotaBytes, usedBytes } = await (await import('./node-cache.js')).storage();
        return { persistRequested: persist, persisted: true, quotaBytes, usageBytes: usedBytes };
      },
    };
  }
  const manager = typeof navigator === 'object' ? navigator.storage : undefined;
  const request = persist && typeof manager?.persist === 'function'
    ? manager.persist().catch(() => null)
    : null;
  request?.catch(() => {});
  return {
    async settle() {
      const unanswered = Symbol('unanswered');
      let persisted = request ? await Promise.race([request, Promise.resolve(unanswered)]) : unanswered;
      if (persisted === unanswered || persisted === null) persisted = await manager?.persisted?.().catch(() => null) ?? null;
      const estimate = await manager?.estimate?.().catch(() => null) ?? null;
      return { persistRequested: persist, persisted, quotaBytes: estimate?.quota ?? null, usageBytes: estimate?.usage ?? null };
    },
  };
}
