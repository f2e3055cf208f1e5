// A cached copy that is not the file it claims to be (wrong length, failed checksum): the
// loader deletes it and downloads the file again instead of failing the load. `why` is the
// short reason given in the progress event's `restarted`.
export class CachedEntryCorrupt extends Error {
  /**
   * @param {string} message
   * @param {string} why
   */
  constructor(message, why) {
    super(message);
    this.name = 'CachedEntryCorrupt';
    this.why = why;
  }
}
