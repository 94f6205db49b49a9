// The worker: runs the WebAssembly module off the main thread and answers the requests defined in
// protocol.js. Concatenated after pcarecon.js, protocol.js, fflate, npz.js, archive-loader.js,
// blob-chunks.js and worker-helper.js into the worker source by scripts/build-web.mjs; started by
// the page from a Blob URL (works from file:// too). The page starts two: the one it talks to, and
// a helper joined to it by a MessagePort (worker-helper.js) that takes part of a fit or a stream.
/* global createPcaRecon, PcaProtocol, PcaNpz, PcaArchiveLoader, PcaBlobChunks, PcaWorkerHelper, PcaPortBlob */
(function () {
  'use strict';

  const { Request, CANCEL, Kind, Phase, cancelledError, transferablesOf, errorMessage } = PcaProtocol;
  const { blobChunks } = PcaBlobChunks;

  let modulePromise = null; // the module, started once, lazily, on the first request
  let wasmModule = null; // the module's exports, once started
  let explorer = null; // the one Explorer: the loaded stack and its model live here
  let fatal = null; // set once the module has aborted: nothing more can run in this worker
  const cancelled = new Set(); // ids of LOAD requests asked to stop
  let fileReader = null; // the page's reads of files for this worker, where it cannot (port-blob.js)

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

  async function load({ source: message, chunkBytes, imageShape, member, stream }, context) {
    const source = PcaPortBlob.sourceFrom(message, fileReader);
    startHelper(); // its module starts while this one reads
    const ex = await startModule();
    // A zip signature: a .npz archive (np.savez); anything else goes to the .npy reader, which
    // names what it found.
    if (PcaNpz.looksLikeZip(new Uint8Array(await source.slice(0, 4).arrayBuffer()))) {
      return PcaArchiveLoader.load(source, ex, {
        npyHeader: (bytes) => wasmModule.npyHeader(bytes),
        member,
        imageHint: imageShapeHint(imageShape),
        chunkBytes,
        progress: (done, total) => context.progress(Phase.READING, done, total),
        cancelled: context.cancelled,
        isFatal,
      });
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
        if (context.cancelled()) throw cancelledError();
        const bytes = new Uint8Array(await source.slice(offset, offset + chunk).arrayBuffer());
        if (context.cancelled()) throw cancelledError();
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

  // ---- the helper (worker-helper.js): a second worker that takes part of a fit or a stream
  const SPLIT_MIN_VALUES = 1 << 22; // below ~4M values one worker is as fast as two
  const SPLIT_SHARE = 0.5; // the rows this worker keeps (helperWaitMs in the FIT result tells if it is balanced)
  let helper = null; // the link to the other worker, once the page has sent the port

  // The link to the helper, told to start its module (while this worker reads the file); null if none.
  function startHelper() {
    if (helper) helper.warmUp();
    return helper;
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
        const state = helper.accumulate(ex.rows(split, n - split), dim);
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
  const STREAM_ABOVE_BYTES = 1 << 30; // defaults when the page does not say (LOAD's stream)
  const STREAM_WINDOW_BYTES = 64 << 20;
  const STREAM_SHARE = 0.5; // of the samples, read here (the rest by the helper)

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
      part = helper.readPart(
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
      if (context.cancelled()) throw cancelledError();
      ex.feed(bytes);
      offset += bytes.byteLength;
      report();
    }
    if (context.cancelled()) throw cancelledError();
    return offset;
  }

  // The promise, or a cancellation as soon as the visitor asks for one (polled: the cancel
  // message arrives between two events of this worker).
  function untilCancelled(promise, context) {
    let timer = 0;
    const cancelled = new Promise((_, reject) => {
      timer = setInterval(() => {
        if (context.cancelled()) reject(cancelledError());
      }, 50);
    });
    return Promise.race([promise, cancelled]).finally(() => clearInterval(timer));
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

  // Whether this worker can read a Blob itself (the page asks once, at start-up).
  async function probeBlob({ blob }, _context) {
    try {
      return { readable: (await blob.arrayBuffer()).byteLength === blob.size };
    } catch (_) {
      return { readable: false };
    }
  }

  const handlers = {
    [Request.PROBE_BLOB]: probeBlob,
    [Request.LOAD]: load,
    [Request.FIT]: fit,
    [Request.SUMMARY]: summary,
    [Request.IMAGES]: images,
    [Request.FIGURE]: figure,
    [Request.DEBUG_FAULT]: debugFault,
  };

  self.onmessage = async (event) => {
    const message = event.data || {};
    if (message.helper === 'port') {
      // The page sends one port to each of the two workers; the one that gets requests from the
      // page uses it to reach the helper, the helper answers on it.
      helper = PcaWorkerHelper.createLink(message.port, {
        startModule,
        wasmModule: () => wasmModule,
        isFatal,
        sourceFrom: (source) => PcaPortBlob.sourceFrom(source, fileReader),
      });
      return;
    }
    if (message.reader === 'port') {
      fileReader = PcaPortBlob.createReader(message.port); // the page reads files for this worker
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
      if (!modulePromise && type !== Request.PROBE_BLOB) context.progress(Phase.STARTING, 0, 1);
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
