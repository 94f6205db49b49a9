// Files read by the page for the workers, where a worker cannot read a Blob itself: in WebKit, a
// worker started from a blob:null URL (the page opened from file://) gets NotReadableError from
// every way of reading a Blob or File, while the page reads the same bytes and can transfer them.
// The page then sends a file as a descriptor {portBlob: {token, start, size}} instead of the File; each
// worker holds a port to the page (readerPort) and wraps the descriptor in a PortBlob, which reads
// like the Blob it stands for (size, slice(start, end), arrayBuffer(); no stream(), so
// blob-chunks.js reads slices): each arrayBuffer() asks the page for those bytes.
//   worker -> page: {read: id, token, start, end}
//   page -> worker: {read: id, buffer} (transferred) | {read: id, error}
//
// A classic script: in the worker bundle it defines self.PcaPortBlob; under node, module.exports.
(function (root) {
  'use strict';

  // The worker's end: the port to the page, and the reads waiting for their bytes.
  function createReader(port) {
    const pending = new Map();
    let ids = 0;
    port.onmessage = (event) => {
      const { read, buffer, error } = event.data || {};
      const entry = pending.get(read);
      if (!entry) return;
      pending.delete(read);
      if (error) entry.reject(new Error(error));
      else entry.resolve(buffer);
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

  class PortBlob {
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
    slice(start = 0, end = this.size) {
      const clamp = (offset) => Math.min(this.size, Math.max(0, offset < 0 ? this.size + offset : offset));
      const from = clamp(start);
      const to = Math.max(from, clamp(end));
      return new PortBlob(this.reader, this.token, this.start + from, this.start + to);
    }

    arrayBuffer() {
      if (this.size === 0) return Promise.resolve(new ArrayBuffer(0));
      return this.reader.read(this.token, this.start, this.end);
    }

    // Its descriptor, to hand the same bytes to the other worker.
    toMessage() {
      return { portBlob: { token: this.token, start: this.start, size: this.size } };
    }
  }

  // A LOAD's (or a part's) source as the worker can read it: a Blob as it is, a descriptor as a
  // PortBlob over this worker's reader.
  function sourceFrom(source, reader) {
    if (!source || !source.portBlob) return source;
    if (!reader) throw new Error('the page reads this file for the worker, but gave it no port to read through');
    const { token, start = 0, size } = source.portBlob;
    return new PortBlob(reader, token, start, start + size);
  }

  // A source to send to another worker: a PortBlob as its descriptor.
  function sourceToMessage(source) {
    return source instanceof PortBlob ? source.toMessage() : source;
  }

  const api = Object.freeze({ createReader, PortBlob, sourceFrom, sourceToMessage });
  root.PcaPortBlob = api;
  if (typeof module === 'object' && module.exports) module.exports = api;
})(typeof self !== 'undefined' ? self : this);
