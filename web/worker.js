// The worker: runs the WebAssembly module off the main thread and answers the requests defined in
// protocol.js. Concatenated after pcarecon.js and protocol.js into the worker source by
// scripts/build-web.mjs; started by the page from a Blob URL (works from file:// too).
/* global createPcaRecon, PcaProtocol, PcaNpz */
(function () {
  'use strict';

  const { Request, CANCEL, Kind, Phase, CANCELLED_MESSAGE, transferablesOf, errorMessage } =
    PcaProtocol;

  let modulePromise = null; // the module, started once, lazily, on the first request
  let wasmModule = null; // the module's exports, once started
  let explorer = null; // the one Explorer: the loaded stack and its model live here
  let fatal = null; // set once the module has aborted: nothing more can run in this worker
  const cancelled = new Set(); // ids of LOAD requests asked to stop

  function startModule() {
    if (!modulePromise) {
      modulePromise = createPcaRecon({
        onAbort: (what) => {
          fatal = 'the WebAssembly module aborted' + (what ? ': ' + errorMessage(what) : '');
        },
        print: (text) => console.log('[pcarecon]', text),
        printErr: (text) => console.warn('[pcarecon]', text),
      }).then((Module) => {
        wasmModule = Module;
        explorer = new Module.Explorer();
        return explorer;
      }, (error) => {
        fatal = 'the WebAssembly module could not start: ' + errorMessage(error);
        throw error;
      });
    }
    return modulePromise;
  }

  function fitCount() {
    try {
      return explorer && !fatal ? explorer.fitCount() : 0;
    } catch (_) {
      return 0;
    }
  }

  function post(message, transfer) {
    self.postMessage(message, transfer || []);
  }

  function isFatal(error) {
    return fatal !== null || error instanceof WebAssembly.RuntimeError;
  }

  // ---- handlers: each gets its payload and a context {id, progress(phase, done, total), cancelled()}

  async function load({ source, chunkBytes, imageShape, member, stream }, context) {
    startHelper(); // its module starts while this one reads
    const ex = await startModule();
    // A zip signature: a .npz archive (np.savez); anything else goes to the .npy reader, which
    // names what it found.
    if (PcaNpz.looksLikeZip(new Uint8Array(await source.slice(0, 4).arrayBuffer()))) {
      return loadNpz({ source, chunkBytes, member, imageShape }, context, ex);
    }
    const total = source.size;
    const chunk = Math.max(1 << 16, chunkBytes | 0 || 4 << 20);
    applyStreamSettings(ex, stream);
    ex.beginFile(...imageShapeHint(imageShape));
    let head = null; // the first chunk: it holds the header
    try {
      ex.expectFileSize(total); // a header that does not fit the file is refused before any allocation
      context.progress(Phase.READING, 0, total);
      let headerSeen = false;
      for (let offset = 0; offset < total; offset += chunk) {
        if (context.cancelled()) throw cancellation();
        const bytes = new Uint8Array(await source.slice(offset, offset + chunk).arrayBuffer());
        if (context.cancelled()) throw cancellation();
        if (!head) head = bytes;
        ex.feed(bytes);
        if (!headerSeen) {
          const pending = ex.headerInfo();
          headerSeen = pending !== null;
          if (pending && pending.streamed) {
            return await loadStreamedRest(ex, source, offset + bytes.byteLength, pending, chunk, stream, context);
          }
        }
        context.progress(Phase.READING, offset + bytes.byteLength, total);
      }
      return { info: ex.finishFile() };
    } catch (error) {
      if (!isFatal(error)) {
        try {
          ex.cancelFile();
        } catch (_) {
          /* nothing pending */
        }
        if (!imageShape) markImageShapeNeeded(error, head);
      }
      throw error;
    }
  }

  // ---- the image shape of an (N, D) file: LOAD's imageShape {height, width}, or none to infer a
  // square. A file that needs one is refused by the core; the error then carries
  // needsImageShape {samples, values} so that the page can ask the visitor for H and W.
  function imageShapeHint(imageShape) {
    if (!imageShape) return [0, 0];
    return [Number(imageShape.height), Number(imageShape.width)]; // the core checks them
  }

  function markImageShapeNeeded(error, head) {
    if (!head || !wasmModule) return;
    try {
      const info = wasmModule.npyInfo(head); // height = width = 0: D is not a square
      if (info.shape.length === 2 && info.height === 0) {
        error.needsImageShape = { samples: info.shape[0], values: info.shape[1] };
      }
    } catch (_) {
      /* not a header: the core's message says what is wrong */
    }
  }

  // ---- .npz archives (web/npz.js) -----------------------------------------------------------
  // The arrays of an archive are listed from its directory and each .npy header (the first bytes
  // of each member only). An archive holding `components` and `mean` is a basis file: its images
  // are reconstructed from that basis instead of a fit. Several image stacks: the page is asked
  // to choose ({choose}), then sends LOAD again with `member`.
  const BASIS_ARRAYS = ['components', 'mean', 'explained_variance', 'explained_variance_ratio'];
  const NPY_HEAD_BYTES = 4096; // a NumPy header is 128 bytes or a little more; grown when needed
  const NPY_MAX_HEAD_BYTES = 1 << 20; // the reader's own limit on a header

  // [{name, shape, dtype, image, note, npy, entry}] for the archive's members, in its order.
  async function describeMembers(source, entries) {
    const out = [];
    for (const entry of entries) {
      const item = { name: entry.key, shape: null, dtype: null, image: false, note: null, npy: entry.npy, entry };
      out.push(item);
      if (!entry.npy) {
        item.note = 'not a .npy file';
        continue;
      }
      try {
        let header = null;
        for (let want = NPY_HEAD_BYTES; !header; want *= 16) {
          const head = await PcaNpz.readMemberHead(source, entry, Math.min(want, NPY_MAX_HEAD_BYTES));
          header = wasmModule.npyHeader(head);
          if (!header && (head.length < want || want >= NPY_MAX_HEAD_BYTES)) {
            throw new Error('its .npy header is incomplete');
          }
        }
        Object.assign(item, { shape: header.shape, dtype: header.dtype });
        item.image = !header.imageError;
        if (header.imageError) item.note = header.imageError;
      } catch (error) {
        if (isFatal(error)) throw error;
        item.note = errorMessage(error);
        item.unreadable = true;
      }
    }
    return out;
  }

  function memberList(items) {
    return items.map(({ name, shape, dtype, image, note }) => ({ name, shape, dtype, image, note }));
  }

  async function loadNpz({ source, chunkBytes, member, imageShape }, context, ex) {
    context.progress(Phase.READING, 0, source.size);
    const items = await describeMembers(source, await PcaNpz.listMembers(source));
    const names = items.map((item) => item.entry.name).join(', ') || 'none';
    if (!items.some((item) => item.npy)) {
      throw new Error(`the .npz archive holds no .npy arrays (its members: ${names}); save the images with numpy.savez`);
    }
    const byName = new Map(items.map((item) => [item.name, item]));
    const basis = byName.has('components') && byName.has('mean');
    const candidates = items.filter((item) => item.image && !(basis && BASIS_ARRAYS.includes(item.name)));
    let chosen;
    if (member !== undefined && member !== null) {
      chosen = byName.get(String(member));
      if (!chosen) throw new Error(`the .npz archive has no array named '${member}' (it holds ${names})`);
      if (!chosen.npy) throw new Error(`${chosen.entry.name} in the .npz archive is not a .npy array`);
    } else if (candidates.length === 1) {
      chosen = candidates[0];
    } else if (candidates.length > 1) {
      return { choose: { members: memberList(items), basis } };
    } else if (items.some((item) => item.unreadable)) {
      throw new Error(items.find((item) => item.unreadable).note); // e.g. encrypted, or bzip2
    } else if (basis) {
      throw new Error(
        `the basis file holds no images to reconstruct (its arrays: ${names}); add them to the archive, e.g. images=X[:1000].reshape(-1, H, W)`,
      );
    } else {
      const why = items.map((item) => `${item.name}: ${item.note || 'not an image stack'}`).join('; ');
      throw new Error(`the .npz archive holds no stack of images (${why})`);
    }

    const total = chosen.entry.size;
    ex.beginFile(...imageShapeHint(imageShape));
    try {
      ex.expectFileSize(total); // a header that does not fit the member is refused before any allocation
      let done = 0;
      context.progress(Phase.READING, 0, total);
      await PcaNpz.streamMember(
        source,
        chosen.entry,
        (bytes) => {
          if (context.cancelled()) throw cancellation();
          ex.feed(bytes);
          done += bytes.length;
          context.progress(Phase.READING, done, total);
        },
        { chunkBytes },
      );
      if (context.cancelled()) throw cancellation();
      let info;
      if (basis) {
        for (const name of BASIS_ARRAYS) {
          if (byName.has(name)) ex.setBasisArray(name, await PcaNpz.readMember(source, byName.get(name).entry));
        }
        info = ex.finishFileWithBasis();
      } else {
        info = ex.finishFile();
      }
      info.archive = { members: memberList(items), member: chosen.name };
      return { info };
    } catch (error) {
      if (!isFatal(error)) {
        try {
          ex.cancelFile();
        } catch (_) {
          /* nothing pending */
        }
      }
      throw error;
    }
  }

  // ---- the helper: a second worker (same source, started by the page, which joins the two with a
  // MessagePort) that accumulates the covariance of part of the rows while this worker does the
  // rest, so a fit uses both cores. No SharedArrayBuffer (works from file:// too): the rows go over
  // by transfer, the partial covariance {count, shift, sum, scatter} comes back and is merged here.
  // Over the port: {helper: 'warm' | 'accumulate', id, rows, dim} one way, {helper: 'state' |
  // 'error', id, state, message} back. None of it is part of the page protocol.
  const SPLIT_MIN_VALUES = 1 << 22; // below ~4M values one worker is as fast as two
  const SPLIT_SHARE = 0.5; // the rows this worker keeps (helperWaitMs in the FIT result tells if it is balanced)
  let helper = null; // {port, pending: Map(id -> {resolve, reject}), warm}
  let helperIds = 0;

  // Both workers get one end of the channel: each serves requests and takes answers on it.
  function connectHelper(port) {
    const pending = new Map();
    port.onmessage = (event) => {
      const message = event.data || {};
      if (message.helper === 'warm' || message.helper === 'accumulate') {
        serveHelper(message, port);
        return;
      }
      if (servePartMessage(message, port, pending)) return; // streamed files (below)
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (message.helper === 'state') entry.resolve(message.state);
      else if (message.helper === 'part') entry.resolve(message.part);
      else {
        const error = new Error(message.message || 'the helper worker failed');
        error.cancelled = Boolean(message.cancelled);
        error.helperDown = Boolean(message.down);
        entry.reject(error);
      }
    };
    helper = { port, pending, warm: false };
  }

  // The helper, told to start its module (while this worker reads the file); null if none.
  function startHelper() {
    if (helper && !helper.warm) {
      helper.warm = true;
      helper.port.postMessage({ helper: 'warm' });
    }
    return helper;
  }

  // Sends rows (a Float32Array, transferred) to the helper; resolves with its accumulator state.
  function helperAccumulate(rows, dim) {
    const h = startHelper();
    if (!h) return Promise.reject(new Error('no helper worker'));
    const id = ++helperIds;
    return new Promise((resolve, reject) => {
      h.pending.set(id, { resolve, reject });
      h.port.postMessage({ helper: 'accumulate', id, rows, dim }, [rows.buffer]);
    });
  }

  // In the helper: answers the main worker's requests.
  async function serveHelper(message, port) {
    if (message.helper === 'warm') {
      await startModule().catch(() => {});
      return;
    }
    let accumulator = null;
    try {
      await startModule();
      accumulator = new wasmModule.Accumulator();
      accumulator.add(message.rows, message.dim);
      message.rows = null;
      const state = accumulator.state();
      port.postMessage({ helper: 'state', id: message.id, state }, [
        state.shift.buffer,
        state.sum.buffer,
        state.scatter.buffer,
      ]);
    } catch (error) {
      port.postMessage({ helper: 'error', id: message.id, message: errorMessage(error) });
    } finally {
      if (accumulator) accumulator.delete();
    }
  }

  async function fit(_payload, context) {
    const ex = await startModule();
    // A model from a basis file (loadNpz) is used as it is: no fit runs.
    const basis = ex.basisInfo();
    if (basis) return { nComponents: basis.nComponents, fitMs: 0, workers: 0, helperWaitMs: 0, basis };
    context.progress(Phase.FITTING, 0, 1);
    const started = performance.now();
    const info = ex.info();
    const n = info.samples;
    const dim = info.height * info.width * info.channels;
    let workers = 1;
    let helperWaitMs = 0; // how long this worker waited for the helper's half (tunes the split)
    if (info.streamed) {
      ex.fit(0); // the covariance of all rows was accumulated while streaming (both workers)
    } else if (n >= dim && n * dim >= SPLIT_MIN_VALUES && startHelper()) {
      // The helper takes the second half; this worker accumulates the first half meanwhile
      // (slightly more: it also copies the helper's rows out and merges).
      const split = Math.ceil(n * SPLIT_SHARE);
      try {
        const state = helperAccumulate(ex.rows(split, n - split), dim);
        ex.accumulateRows(0, split);
        const waited = performance.now();
        const rest = await state;
        helperWaitMs = performance.now() - waited;
        ex.fitWith(0, rest);
        workers = 2;
      } catch (error) {
        if (isFatal(error)) throw error;
        console.warn('[pcarecon] split fit failed, fitting in one worker:', errorMessage(error));
        ex.fit(0);
      }
    } else {
      ex.fit(0);
    }
    return { nComponents: ex.model().nComponents, fitMs: performance.now() - started, workers, helperWaitMs };
  }

  // ---- streamed files (larger than memory; Explorer's streamed mode): the rows go into the
  // covariance as they are read and only the first ones are kept. With the helper, this worker
  // reads the first part of the file and the helper reads the rest itself (Blob.slice of the same
  // File into its own Explorer, readRows), both at once; its part's covariance and value range come
  // back over the port and are merged here. If the helper is gone, this worker reads the rest.
  // Over the port: {helper: 'read-part' | 'cancel-part', id, ...} one way, {helper: 'progress' |
  // 'part' | 'error', id, ...} back.
  const STREAM_ABOVE_BYTES = 1 << 30; // defaults when the page does not say (LOAD's stream)
  const STREAM_WINDOW_BYTES = 64 << 20;
  const STREAM_SHARE = 0.5; // of the samples, read here (the rest by the helper)
  const partsCancelled = new Set(); // in the helper: ids of parts to stop

  function applyStreamSettings(ex, stream) {
    const s = stream || {};
    ex.setStreamAboveBytes(Number.isFinite(s.aboveBytes) ? s.aboveBytes : STREAM_ABOVE_BYTES);
    ex.setStreamWindowBytes(Number.isFinite(s.windowBytes) ? s.windowBytes : STREAM_WINDOW_BYTES);
  }

  // The rest of a streamed file, once its header (and the first chunk) has been fed at `offset`.
  async function loadStreamedRest(ex, source, offset, pending, chunk, stream, context) {
    const total = source.size;
    const { totalSamples: n, keptSamples, dataOffset, sampleBytes } = pending.streamed;
    const fed = Math.ceil(Math.max(0, offset - dataOffset) / sampleBytes); // samples begun here
    // This worker keeps the first rows: its part holds at least the window and what it has read.
    const split = Math.max(keptSamples, fed, Math.ceil(n * STREAM_SHARE));
    const wantSplit = !(stream && stream.split === false);
    let helperDone = 0;
    const report = () => context.progress(Phase.STREAMING, offset + helperDone, total);
    let part = null;
    if (wantSplit && split < n && (n - split) * sampleBytes >= chunk && startHelper()) {
      ex.readRows(0, split);
      // A 2-D (N, D) file's image shape may have been inferred: say it; other shapes carry it.
      const hint = pending.shape.length === 2 ? [pending.height, pending.width] : [0, 0];
      part = helperReadPart(
        { source, dataOffset, begin: split, end: n, sampleBytes, chunk, hint },
        (done) => {
          helperDone = done;
          report();
        },
      );
    }
    let stop = part ? dataOffset + split * sampleBytes : total;
    report();
    try {
      offset = await streamBytes(ex, source, offset, stop, chunk, context, report);
      if (part) {
        let result = null;
        try {
          result = await untilCancelled(part.promise, context);
        } catch (error) {
          if (error.cancelled) throw error;
          if (!error.helperDown) throw firstError(ex, error); // the file's own error, in the helper's part
          console.warn('[pcarecon] the helper worker failed; reading its part here:', errorMessage(error));
          part = null;
          helperDone = 0;
          ex.readRows(0, n);
          stop = total;
          offset = await streamBytes(ex, source, offset, stop, chunk, context, report);
        }
        if (result) ex.mergePart(result);
      }
      return { info: ex.finishFile(), streamWorkers: part ? 2 : 1 };
    } finally {
      if (part) part.cancel(); // stops the helper when this worker stopped first (no-op after)
    }
  }

  // An error of the file found by the helper in its part: an error in this worker's part (e.g. a
  // NaN) comes first in the file, so finishing here says it if there is one.
  function firstError(ex, helperError) {
    try {
      ex.finishFile();
    } catch (own) {
      if (!/ of the streamed file were not read$/.test(errorMessage(own))) return own;
    }
    return helperError;
  }

  // Feeds bytes [offset, stop) of source; returns the new offset.
  async function streamBytes(ex, source, offset, stop, chunk, context, report) {
    for await (const bytes of blobChunks(source, offset, stop, chunk)) {
      if (context.cancelled()) throw cancellation();
      ex.feed(bytes);
      offset += bytes.byteLength;
      report();
    }
    if (context.cancelled()) throw cancellation();
    return offset;
  }

  // Bytes [start, stop) of a Blob, chunk by chunk, read into ONE buffer reused for every chunk
  // (a BYOB reader on blob.stream()), so streaming gigabytes leaves no garbage behind: a fresh
  // ArrayBuffer per slice is freed only when the collector gets round to it, and at 100+ MB/s
  // that let the page's memory grow with the file. Each chunk is valid until the next one is
  // asked for (Explorer.feed copies it at once). Falls back to slices where BYOB is missing.
  async function* blobChunks(blob, start, stop, chunk) {
    let reader = null;
    try {
      reader = blob.slice(start, stop).stream().getReader({ mode: 'byob' });
    } catch (_) {
      for (let offset = start; offset < stop; offset += chunk) {
        yield new Uint8Array(await blob.slice(offset, Math.min(offset + chunk, stop)).arrayBuffer());
      }
      return;
    }
    let buffer = new ArrayBuffer(Math.min(chunk, Math.max(1, stop - start)));
    try {
      for (let ended = false; !ended; ) {
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
      reader.cancel().catch(() => {});
    }
  }

  // The promise, or a cancellation as soon as the visitor asks for one (polled: the cancel
  // message arrives between two events of this worker).
  function untilCancelled(promise, context) {
    let timer = 0;
    const cancelled = new Promise((_, reject) => {
      timer = setInterval(() => {
        if (context.cancelled()) reject(cancellation());
      }, 50);
    });
    return Promise.race([promise, cancelled]).finally(() => clearInterval(timer));
  }

  // Asks the helper to read samples [begin, end) of source: {promise (of the part), cancel()}.
  function helperReadPart(request, onProgress) {
    const h = startHelper();
    const id = ++helperIds;
    let settled = false;
    const promise = new Promise((resolve, reject) => {
      h.pending.set(id, { resolve, reject, onProgress });
      h.port.postMessage({ helper: 'read-part', id, ...request });
    }).finally(() => (settled = true));
    promise.catch(() => {}); // awaited later, or not at all if this worker failed first
    return {
      promise,
      cancel: () => {
        if (!settled) h.port.postMessage({ helper: 'cancel-part', id });
      },
    };
  }

  // Port messages about parts, on both sides; false for any other message.
  function servePartMessage(message, port, pending) {
    if (message.helper === 'read-part') {
      serveReadPart(message, port);
      return true;
    }
    if (message.helper === 'cancel-part') {
      partsCancelled.add(message.id);
      return true;
    }
    if (message.helper === 'progress') {
      const entry = pending.get(message.id);
      if (entry && entry.onProgress) entry.onProgress(message.done);
      return true;
    }
    return false;
  }

  // In the helper: reads its part of a streamed file into its own Explorer (which holds nothing
  // else) and posts the part back: {helper: 'part', id, part} or {helper: 'error', id, message,
  // cancelled, down}; down: this worker cannot read at all (the main worker then reads the part).
  async function serveReadPart(message, port) {
    const { id, source, dataOffset, begin, end, sampleBytes, chunk, hint } = message;
    let ex = null;
    try {
      ex = await startModule();
      ex.setStreamAboveBytes(0); // the main worker streams this file: its part streams here too
      ex.beginFile(hint[0], hint[1]);
      ex.expectFileSize(source.size);
      ex.feed(new Uint8Array(await source.slice(0, dataOffset).arrayBuffer()));
      ex.readRows(begin, end);
      const first = dataOffset + begin * sampleBytes;
      const stop = dataOffset + end * sampleBytes;
      let offset = first;
      for await (const bytes of blobChunks(source, first, stop, chunk)) {
        if (partsCancelled.has(id)) throw cancellation();
        ex.feed(bytes);
        offset += bytes.byteLength;
        port.postMessage({ helper: 'progress', id, done: offset - first });
      }
      if (partsCancelled.has(id)) throw cancellation();
      const part = ex.finishPart();
      const { shift, sum, scatter } = part.rows;
      port.postMessage({ helper: 'part', id, part }, [shift.buffer, sum.buffer, scatter.buffer]);
    } catch (error) {
      const down = !ex || isFatal(error);
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

  async function summary({ gallery }, _context) {
    const ex = await startModule();
    // Only the variances and the components shown: the whole K×D model can be hundreds of MB.
    const model = ex.variance();
    const info = ex.info();
    const dim = model.dim;
    const shown = Math.max(0, Math.min(gallery | 0, model.nComponents));
    const components = new Float32Array(shown * dim);
    for (let i = 0; i < shown; i++) components.set(ex.component(i), i * dim);
    return {
      info,
      nComponents: model.nComponents,
      totalVariance: model.totalVariance,
      explainedVariance: model.explainedVariance,
      explainedVarianceRatio: model.explainedVarianceRatio,
      mean: Float32Array.from(ex.meanImage()),
      components,
    };
  }

  async function images({ start, count }, _context) {
    const ex = await startModule();
    const info = ex.info();
    const first = Math.max(0, Math.min(start | 0, info.samples));
    const n = Math.max(0, Math.min(count | 0, info.samples - first));
    const size = info.height * info.width * info.channels;
    const pixels = new Float32Array(n * size);
    for (let i = 0; i < n; i++) pixels.set(ex.image(first + i), i * size);
    return { start: first, count: n, height: info.height, width: info.width, channels: info.channels, pixels };
  }

  async function figure(options, context) {
    const ex = await startModule();
    context.progress(Phase.BUILDING, 0, 1);
    const json = ex.figureJson({
      sampleIndex: options.sampleIndex,
      nComponents: options.nComponents,
      step: options.step,
      frameDurationMs: options.frameDurationMs,
      binaryArrays: options.binaryArrays !== false, // plain lists for plotly.py (JSON download)
    });
    return { json };
  }

  // Test only: a real fault inside the module ({fault: 'abort' | 'trap'}), to prove the page survives.
  async function debugFault({ fault }, _context) {
    await startModule();
    wasmModule.debugFault(String(fault));
  }

  const handlers = {
    [Request.LOAD]: load,
    [Request.FIT]: fit,
    [Request.SUMMARY]: summary,
    [Request.IMAGES]: images,
    [Request.FIGURE]: figure,
    [Request.DEBUG_FAULT]: debugFault,
  };

  function cancellation() {
    const error = new Error(CANCELLED_MESSAGE);
    error.cancelled = true;
    return error;
  }

  self.onmessage = async (event) => {
    const message = event.data || {};
    if (message.helper === 'port') {
      // The page sends one port to each of the two workers; the one that gets requests from the
      // page uses it to reach the helper, the helper answers on it.
      connectHelper(message.port);
      return;
    }
    if (message.type === CANCEL) {
      cancelled.add(message.target);
      return;
    }
    const { id, type } = message;
    if (fatal) {
      post({ id, kind: Kind.FATAL, message: fatal });
      return;
    }
    const handler = handlers[type];
    if (!handler) {
      post({ id, kind: Kind.ERROR, message: `unknown request type '${type}'`, fitCount: fitCount() });
      return;
    }
    const context = {
      id,
      progress: (phase, done, total) =>
        post({ id, kind: Kind.PROGRESS, phase, done, total, fitCount: fitCount() }),
      cancelled: () => cancelled.has(id),
    };
    try {
      if (!modulePromise) context.progress(Phase.STARTING, 0, 1);
      const result = await handler(message, context);
      post({ id, kind: Kind.RESULT, result, fitCount: fitCount() }, transferablesOf(result));
    } catch (error) {
      if (isFatal(error)) {
        fatal = fatal || errorMessage(error);
        post({ id, kind: Kind.FATAL, message: fatal });
      } else {
        post({
          id,
          kind: Kind.ERROR,
          message: errorMessage(error),
          cancelled: Boolean(error && error.cancelled),
          needsImageShape: (error && error.needsImageShape) || undefined,
          fitCount: fitCount(),
        });
      }
    } finally {
      cancelled.delete(id);
    }
  };
})();
