// The worker: runs the WebAssembly module off the main thread and answers the requests defined in
// protocol.js. Concatenated after pcarecon.js and protocol.js into the worker source by
// scripts/build-web.mjs; started by the page from a Blob URL (works from file:// too).
/* global createPcaRecon, PcaProtocol */
(function () {
  'use strict';

  const { Request, CANCEL, Kind, Phase, CANCELLED_MESSAGE, transferablesOf, errorMessage } =
    PcaProtocol;

  let modulePromise = null; // the module, started once, lazily, on the first request
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

  async function load({ source, chunkBytes }, context) {
    const ex = await startModule();
    const total = source.size;
    const chunk = Math.max(1 << 16, chunkBytes | 0 || 4 << 20);
    ex.beginFile(0, 0);
    try {
      context.progress(Phase.READING, 0, total);
      for (let offset = 0; offset < total; offset += chunk) {
        if (context.cancelled()) throw cancellation();
        const bytes = new Uint8Array(await source.slice(offset, offset + chunk).arrayBuffer());
        if (context.cancelled()) throw cancellation();
        ex.feed(bytes);
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
      }
      throw error;
    }
  }

  async function fit(_payload, context) {
    const ex = await startModule();
    context.progress(Phase.FITTING, 0, 1);
    ex.fit(0);
    return { nComponents: ex.model().nComponents };
  }

  async function summary({ gallery }, _context) {
    const ex = await startModule();
    const model = ex.model();
    const info = ex.info();
    const dim = model.dim;
    const shown = Math.max(0, Math.min(gallery | 0, model.nComponents));
    const components = new Float32Array(shown * dim);
    components.set(model.components.subarray(0, shown * dim));
    return {
      info,
      nComponents: model.nComponents,
      totalVariance: model.totalVariance,
      explainedVariance: model.explainedVariance,
      explainedVarianceRatio: model.explainedVarianceRatio,
      mean: Float32Array.from(model.mean),
      components,
    };
  }

  async function images({ start, count }, _context) {
    const ex = await startModule();
    const info = ex.info();
    const first = Math.max(0, Math.min(start | 0, info.samples));
    const n = Math.max(0, Math.min(count | 0, info.samples - first));
    const size = info.height * info.width;
    const pixels = new Float32Array(n * size);
    for (let i = 0; i < n; i++) pixels.set(ex.image(first + i), i * size);
    return { start: first, count: n, height: info.height, width: info.width, pixels };
  }

  async function figure(options, context) {
    const ex = await startModule();
    context.progress(Phase.BUILDING, 0, 1);
    const json = ex.figureJson({
      sampleIndex: options.sampleIndex,
      nComponents: options.nComponents,
      step: options.step,
      frameDurationMs: options.frameDurationMs,
      binaryArrays: true,
    });
    return { json };
  }

  const handlers = {
    [Request.LOAD]: load,
    [Request.FIT]: fit,
    [Request.SUMMARY]: summary,
    [Request.IMAGES]: images,
    [Request.FIGURE]: figure,
  };

  function cancellation() {
    const error = new Error(CANCELLED_MESSAGE);
    error.cancelled = true;
    return error;
  }

  self.onmessage = async (event) => {
    const message = event.data || {};
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
          fitCount: fitCount(),
        });
      }
    } finally {
      cancelled.delete(id);
    }
  };
})();
