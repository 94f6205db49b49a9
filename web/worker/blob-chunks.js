// Bytes [start, stop) of a Blob, chunk by chunk, read into ONE buffer reused for every chunk (a
// BYOB reader on blob.stream()), so streaming gigabytes leaves no garbage behind: a fresh
// ArrayBuffer per slice is freed only when the collector gets round to it, and at 100+ MB/s that
// let the page's memory grow with the file. Each chunk is valid until the next one is asked for
// (Explorer.feed copies it at once). Falls back to slices where BYOB is missing.

// The streams being read, held from the module so that they stay reachable while a read is
// pending: otherwise nothing but the pending read's own promise chain refers to them, and
// Chromium's worker could collect the stream mid-file, leaving the read unresolved forever (seen
// as a streamed load that stalled at random, ~1 in 3 runs, once the worker was bundled by esbuild).
const reading = new Set();

async function* blobChunks(blob, start, stop, chunk) {
  let reader;
  let stream;
  try {
    stream = blob.slice(start, stop).stream();
    reader = stream.getReader({ mode: 'byob' });
    reading.add(stream);
  } catch (_) {
    for (let offset = start; offset < stop; offset += chunk) {
      yield new Uint8Array(await blob.slice(offset, Math.min(offset + chunk, stop)).arrayBuffer());
    }
    return;
  }
  let buffer = new ArrayBuffer(Math.min(chunk, Math.max(1, stop - start)));
  try {
    for (let ended = false; !ended;) {
      let filled = 0;
      while (filled < buffer.byteLength) {
        const { done, value } = await reader.read(new Uint8Array(buffer, filled, buffer.byteLength - filled));
        if (value) buffer = value.buffer; // the same memory, handed back (the view was transferred)
        if (done) {
          ended = true;
          break;
        }
        filled += value.byteLength;
      }
      if (filled) yield new Uint8Array(buffer, 0, filled);
    }
  } finally {
    reading.delete(stream);
    reader.cancel().catch(() => {});
  }
}

export { blobChunks };
