// The helper: a second worker (same source, started by the page, which joins the two with a
// MessagePort) that does part of the work of the one the page talks to, so that both cores are used:
//   - a fit: it accumulates the covariance of some of the rows (sent over by transfer) and sends
//     back the partial state {count, shift, sum, scatter}, merged by the main worker;
//   - a streamed file (larger than memory): it reads its own part of the file (Blob.slice of the
//     same File into its own Explorer, readRows) while the main worker reads the rest, and sends
//     back the part's covariance and value range.
// No SharedArrayBuffer (works from file:// too). None of this is part of the page protocol:
//   main -> helper: {helper: 'warm' | 'accumulate' | 'read-part' | 'cancel-part', id, ...}
//   helper -> main: {helper: 'state' | 'part' | 'progress' | 'error', id, ...}
//
// A classic script, in the worker bundle before worker.js: defines self.PcaWorkerHelper.
/* global PcaProtocol, PcaBlobChunks, PcaPortBlob */
(function (root) {
  'use strict';

  const { cancelledError, errorMessage } = PcaProtocol;
  const { blobChunks } = PcaBlobChunks;

  // One end of the channel, in either worker. env: {startModule() -> the worker's Explorer,
  // wasmModule() -> the module's exports once started, isFatal(error), sourceFrom(source) -> a
  // file as this worker reads it (port-blob.js)}.
  function createLink(port, env) {
    const pending = new Map(); // id -> {resolve, reject, onProgress?}: the main worker's requests
    const partsCancelled = new Set(); // in the helper: ids of parts to stop
    // In the helper: the part being read. Parts run one after another: they share the helper's one
    // Explorer, and a cancelled part's clean-up (cancelFile), if it ran after the next part had
    // begun its file, would discard that part's file instead.
    let partsDone = Promise.resolve();
    let ids = 0;
    let warm = false;

    port.onmessage = (event) => {
      const message = event.data || {};
      switch (message.helper) {
        case 'warm':
          env.startModule().catch(() => {});
          return;
        case 'accumulate':
          serveAccumulate(message);
          return;
        case 'read-part':
          partsDone = partsDone.then(() => serveReadPart(message));
          return;
        case 'cancel-part':
          partsCancelled.add(message.id);
          return;
        case 'progress': {
          const entry = pending.get(message.id);
          if (entry && entry.onProgress) entry.onProgress(message.done);
          return;
        }
        default:
          settle(message);
      }
    };

    function settle(message) {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (message.helper === 'state') entry.resolve(message.state);
      else if (message.helper === 'part') entry.resolve(message.part);
      else {
        const error = new Error(message.message || 'the helper worker failed');
        error.cancelled = Boolean(message.cancelled);
        error.helperDown = Boolean(message.down); // it cannot read at all: the main worker takes over
        entry.reject(error);
      }
    }

    function ask(message, transfer, onProgress) {
      const id = ++ids;
      const promise = new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onProgress });
        port.postMessage({ ...message, id }, transfer || []);
      });
      return { id, promise };
    }

    // ---- the main worker's side

    // Tells the helper to start its module (e.g. while this worker reads the file).
    function warmUp() {
      if (!warm) {
        warm = true;
        port.postMessage({ helper: 'warm' });
      }
    }

    // Sends rows (a Float32Array, transferred) to the helper; resolves with its accumulator state.
    function accumulate(rows, dim) {
      warmUp();
      return ask({ helper: 'accumulate', rows, dim }, [rows.buffer]).promise;
    }

    // Asks the helper to read samples [begin, end) of request.source: {promise (of the part),
    // cancel()}. request: {source, dataOffset, begin, end, sampleBytes, chunk, hint}.
    function readPart(request, onProgress) {
      warmUp();
      let settled = false;
      const message = { helper: 'read-part', ...request, source: PcaPortBlob.sourceToMessage(request.source) };
      const { id, promise } = ask(message, [], onProgress);
      promise.finally(() => (settled = true)).catch(() => {}); // awaited later, or not at all if this worker failed first
      return {
        promise,
        cancel: () => {
          if (!settled) port.postMessage({ helper: 'cancel-part', id });
        },
      };
    }

    // ---- the helper's side

    async function serveAccumulate(message) {
      let accumulator = null;
      try {
        await env.startModule();
        accumulator = new (env.wasmModule().Accumulator)();
        accumulator.add(message.rows, message.dim);
        message.rows = null;
        const state = accumulator.state();
        port.postMessage({ helper: 'state', id: message.id, state }, [state.shift.buffer, state.sum.buffer, state.scatter.buffer]);
      } catch (error) {
        port.postMessage({ helper: 'error', id: message.id, message: errorMessage(error) });
      } finally {
        if (accumulator) accumulator.delete();
      }
    }

    // Reads a part of a streamed file into this worker's Explorer (which holds nothing else).
    async function serveReadPart(message) {
      const { id, dataOffset, begin, end, sampleBytes, chunk, hint } = message;
      let ex = null;
      try {
        const source = env.sourceFrom(message.source);
        ex = await env.startModule();
        ex.setStreamAboveBytes(0); // the main worker streams this file: its part streams here too
        ex.beginFile(hint[0], hint[1]);
        ex.expectFileSize(source.size);
        ex.feed(new Uint8Array(await source.slice(0, dataOffset).arrayBuffer()));
        ex.readRows(begin, end);
        const first = dataOffset + begin * sampleBytes;
        const stop = dataOffset + end * sampleBytes;
        let offset = first;
        for await (const bytes of blobChunks(source, first, stop, chunk)) {
          if (partsCancelled.has(id)) throw cancelledError();
          ex.feed(bytes);
          offset += bytes.byteLength;
          port.postMessage({ helper: 'progress', id, done: offset - first });
        }
        if (partsCancelled.has(id)) throw cancelledError();
        const part = ex.finishPart();
        const { shift, sum, scatter } = part.rows;
        port.postMessage({ helper: 'part', id, part }, [shift.buffer, sum.buffer, scatter.buffer]);
      } catch (error) {
        const down = !ex || env.isFatal(error);
        if (ex && !down) {
          try {
            ex.cancelFile();
          } catch (_) {
            /* nothing pending */
          }
        }
        port.postMessage({ helper: 'error', id, message: errorMessage(error), cancelled: Boolean(error && error.cancelled), down });
      } finally {
        partsCancelled.delete(id);
      }
    }

    return { warmUp, accumulate, readPart };
  }

  root.PcaWorkerHelper = Object.freeze({ createLink });
})(self);
