// Files read by the page for the workers, where a worker cannot read a Blob itself: in WebKit, a
// worker started from a blob:null URL (the page opened from file://) gets NotReadableError from
// every way of reading a Blob or File, while the page reads the same bytes and can transfer them.
// The page then sends a file as a descriptor {portBlob: {token, start, size}} instead of the File
// (shared/protocol.js: FileSource); each worker holds a port to the page (the reader port) and
// wraps the descriptor in a PortBlob, which reads like the Blob it stands for (size,
// slice(start, end), arrayBuffer(); no stream(), so blob-chunks.js reads slices): each
// arrayBuffer() asks the page for those bytes.
//   worker -> page: {read: id, token, start, end}                     (ReadRequest)
//   page -> worker: {read: id, buffer} (transferred) | {read: id, error}   (ReadReply)

/** @typedef {import('../shared/protocol.js').FileSource} FileSource */
/** @typedef {import('../shared/protocol.js').ReadReply} ReadReply */
/** @typedef {{read(token: number, start: number, end: number): Promise<ArrayBuffer>}} FileReader */

/**
 * The worker's end: the port to the page, and the reads waiting for their bytes.
 * @param {MessagePort} port
 * @returns {FileReader}
 */
export function createReader(port) {
  /** @type {Map<number, {resolve: (buffer: ArrayBuffer) => void, reject: (error: Error) => void}>} */
  const pending = new Map();
  let ids = 0;
  port.onmessage = (event) => {
    /** @type {ReadReply} */
    const reply = event.data;
    const entry = pending.get(reply.read);
    if (!entry) return;
    pending.delete(reply.read);
    if ('error' in reply) entry.reject(new Error(reply.error));
    else entry.resolve(reply.buffer);
  };
  return {
    read(token, start, end) {
      const id = ++ids;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        port.postMessage({ read: id, token, start, end });
      });
    },
  };
}

export class PortBlob {
  /**
   * @param {FileReader} reader
   * @param {number} token
   * @param {number} start
   * @param {number} end
   */
  constructor(reader, token, start, end) {
    this.reader = reader;
    this.token = token;
    this.start = start;
    this.end = end;
  }

  get size() {
    return this.end - this.start;
  }

  // Blob.slice's rules: negative offsets count from the end, both clamped to the blob.
  /**
   * @param {number} [start]
   * @param {number} [end]
   */
  slice(start = 0, end = this.size) {
    const clamp = (/** @type {number} */ offset) => Math.min(this.size, Math.max(0, offset < 0 ? this.size + offset : offset));
    const from = clamp(start);
    const to = Math.max(from, clamp(end));
    return new PortBlob(this.reader, this.token, this.start + from, this.start + to);
  }

  /** @returns {Promise<ArrayBuffer>} */
  arrayBuffer() {
    if (this.size === 0) return Promise.resolve(new ArrayBuffer(0));
    return this.reader.read(this.token, this.start, this.end);
  }

  // Its descriptor, to hand the same bytes to the other worker.
  /** @returns {FileSource} */
  toMessage() {
    return { portBlob: { token: this.token, start: this.start, size: this.size } };
  }
}

/**
 * A LOAD's (or a part's) source as this worker reads it: a Blob as it is, a descriptor as a
 * PortBlob over this worker's reader. The readers (requests.js, streamed-load.js, npz.js,
 * blob-chunks.js) use only size, slice and arrayBuffer (and stream() inside a try), which a
 * PortBlob has: it is typed as the Blob it stands for.
 * @param {FileSource} source
 * @param {FileReader | null} reader
 * @returns {Blob}
 */
export function sourceFrom(source, reader) {
  if (source instanceof Blob) return source;
  if ('bytes' in source) return /** @type {Blob} */ (/** @type {unknown} */ (new BytesBlob(source.bytes)));
  if (!reader) throw new Error('the page reads this file for the worker, but gave it no port to read through');
  const { token, start, size } = source.portBlob;
  return /** @type {Blob} */ (/** @type {unknown} */ (new PortBlob(reader, token, start, start + size)));
}

/**
 * A source to send to the other worker: a PortBlob as its descriptor.
 * @param {Blob} source
 * @returns {FileSource}
 */
export function sourceToMessage(source) {
  return source instanceof PortBlob || source instanceof BytesBlob ? source.toMessage() : source;
}

// Bytes the page sent along with the request ({bytes}: the built-in dataset, which it holds in
// memory), read like a Blob: no probe, no reader port, and no round trip through the page's thread.
export class BytesBlob {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    this.bytes = bytes;
  }

  get size() {
    return this.bytes.byteLength;
  }

  /**
   * @param {number} [start]
   * @param {number} [end]
   */
  slice(start = 0, end = this.size) {
    return new BytesBlob(this.bytes.subarray(start, end)); // subarray's offset rules are Blob.slice's
  }

  /** @returns {Promise<ArrayBuffer>} */
  arrayBuffer() {
    return Promise.resolve(this.bytes.slice().buffer);
  }

  /** @returns {FileSource} */
  toMessage() {
    return { bytes: this.bytes.slice() };
  }
}
