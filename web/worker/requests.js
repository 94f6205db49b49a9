// The worker's answers to the page's requests (shared/protocol.js): each handler gets the worker's
// session (its module, its helper: worker.js), the request's payload and its context {id,
// progress(phase, done, total), cancelled()}. Streamed files continue in streamed-load.js.
import { Phase, cancelledError, errorMessage } from '../shared/protocol.js';
import { looksLikeZip } from './npz.js';
import * as ArchiveLoader from './archive-loader.js';
import { loadStreamedRest } from './streamed-load.js';
import { blobChunks } from './blob-chunks.js';
import { fitTopK } from './split-fit.js';
import { fitGram } from './split-gram.js';
import { fitStreamedTopK } from './streamed-fit.js';

/** @typedef {import('./worker.js').Session} Session */
/** @typedef {import('./worker.js').RequestContext} RequestContext */
/** @typedef {import('../../wasm/pcarecon').Explorer} Explorer */
/** @typedef {import('../shared/protocol.js').StreamSettings} StreamSettings */

const SPLIT_MIN_VALUES = 1 << 22; // below ~4M values one worker is as fast as two
const SPLIT_SHARE = 0.5; // the rows this worker keeps (helperWaitMs in the FIT result tells if it is balanced)
const STREAM_ABOVE_BYTES = 1 << 30; // defaults when the page does not say (LOAD's stream)
const STREAM_WINDOW_BYTES = 64 << 20;
const DEFAULT_COMPONENTS = 50; // K when FIT does not say (the page's default)

/**
 * @param {Session} session
 * @param {import('../shared/protocol.js').LoadRequest} request
 * @param {RequestContext} context
 * @returns {Promise<import('../shared/protocol.js').LoadResult>}
 */
export async function load(session, request, context) {
  const source = session.sourceFrom(request.source);
  const result = await loadStack(session, source, request, context);
  // A stack was loaded (not {choose}): its model is the one made before, or none until FIT.
  if ('info' in result) session.precomputedFit = request.fitted ? request.fitted.fit : null;
  // A streamed file fitted in passes is read again by its fit (streamed-fit.js).
  const streamed = 'info' in result && result.info.streamed;
  session.streamedSource = streamed && streamed.topk ? source : null;
  return result;
}

/**
 * @param {Session} session
 * @param {Blob} source
 * @param {import('../shared/protocol.js').LoadRequest} request
 * @param {RequestContext} context
 * @returns {Promise<import('../shared/protocol.js').LoadResult>}
 */
async function loadStack(session, source, { chunkBytes, imageShape, member, stream, fitted }, context) {
  // Its module starts while this one reads; with a model made before, nothing here needs it (a
  // first visit: plotly.js parses on the other core).
  if (!fitted) session.startHelper();
  const ex = await session.startModule();
  const chunk = Math.max(1 << 16, (chunkBytes ?? 0) | 0 || 4 << 20);
  // A zip signature: a .npz archive (np.savez); anything else goes to the .npy reader, which
  // names what it found.
  if (looksLikeZip(new Uint8Array(await source.slice(0, 4).arrayBuffer()))) {
    return ArchiveLoader.load(source, ex, {
      npyHeader: (bytes) => session.wasmModule().npyHeader(bytes),
      member,
      imageHint: imageShapeHint(imageShape),
      chunkBytes: chunk,
      progress: (done, total) => context.progress(Phase.READING, done, total),
      cancelled: context.cancelled,
      isFatal: session.isFatal,
    });
  }
  const total = source.size;
  // A model made before (the built-in sample's) goes with its stack held: a streamed file is fitted
  // in passes over it, which would not use the model.
  applyStreamSettings(ex, fitted ? { ...stream, aboveBytes: Number.MAX_SAFE_INTEGER } : stream);
  ex.beginFile(...imageShapeHint(imageShape));
  try {
    const arrays = /** @type {[Parameters<Explorer['setBasisArray']>[0], Uint8Array][]} */ (Object.entries(fitted ? fitted.arrays : {}));
    for (const [name, bytes] of arrays) ex.setBasisArray(name, bytes);
    ex.expectFileSize(total); // a header that does not fit the file is refused before any allocation
    context.progress(Phase.READING, 0, total);
    if (context.cancelled()) throw cancelledError();
    let headerSeen = false;
    let offset = 0;
    // Through one reused buffer (blob-chunks.js): a fresh ArrayBuffer per slice is garbage until
    // the collector runs, and a whole file of it can pile up beside the stack while it loads.
    for await (const bytes of blobChunks(source, 0, total, chunk)) {
      if (context.cancelled()) throw cancelledError();
      ex.feed(bytes);
      offset += bytes.byteLength;
      if (!headerSeen) {
        const pending = ex.headerInfo();
        headerSeen = pending !== null;
        if (pending && pending.streamed) {
          const at = { offset, pending, chunk };
          return await loadStreamedRest(session, ex, source, at, stream, context);
        }
      }
      context.progress(Phase.READING, offset, total);
    }
    if (!fitted) return { info: ex.finishFile() };
    const { basis: _fromFile, ...info } = ex.finishFileWithBasis(); // the fit of these images: not a basis file's
    return { info };
  } catch (error) {
    if (!session.isFatal(error)) {
      try {
        ex.cancelFile();
      } catch (_) {
        /* nothing pending */
      }
    }
    throw error;
  }
}

// The image shape of an (N, D) file: LOAD's imageShape {height, width}, or none to infer a
// square. A file that needs one is refused by the core with code 'needs_image_shape' and the
// file's N and D (samples, values), so that the page can ask the visitor for H and W.
/**
 * @param {{height: number, width: number} | undefined} imageShape
 * @returns {[number, number]}
 */
function imageShapeHint(imageShape) {
  if (!imageShape) return [0, 0];
  return [Number(imageShape.height), Number(imageShape.width)]; // the core checks them
}

/**
 * @param {Explorer} ex
 * @param {StreamSettings | undefined} stream
 */
function applyStreamSettings(ex, stream) {
  const s = stream || {};
  ex.setStreamAboveBytes(Number.isFinite(s.aboveBytes) ? Number(s.aboveBytes) : STREAM_ABOVE_BYTES);
  ex.setStreamWindowBytes(Number.isFinite(s.windowBytes) ? Number(s.windowBytes) : STREAM_WINDOW_BYTES);
  ex.setStreamSolver(s.solver || 'auto');
}

/**
 * The model for the page's K (request.nComponents, default 50), by the cheaper solver for it
 * (Explorer.planFit): the exact path fits every component (a larger K later needs no new fit),
 * through a covariance split over the helper when it is worth it; the Gram path (N < D) fits K
 * exactly in this worker; the top-K solver fits K, every
 * pass split over the helper (split-fit.js). A model from a basis file is used as it is (no fit).
 * @param {Session} session
 * @param {import('../shared/protocol.js').FitRequest} request
 * @param {RequestContext} context
 * @returns {Promise<import('../shared/protocol.js').FitResult>}
 */
export async function fit(session, request, context) {
  const ex = await session.startModule();
  const precomputed = session.precomputedFit; // LOAD's model, made before: held as a basis
  const basis = precomputed ? null : ex.basisInfo();
  if (basis) return { nComponents: basis.nComponents, fitMs: 0, workers: 0, helperWaitMs: 0, basis };
  const info = ex.info();
  const most = Math.min(info.streamed ? info.streamed.totalSamples : info.samples, info.height * info.width * info.channels);
  const k = Math.max(1, Math.min(most, Number(request.nComponents) | 0 || DEFAULT_COMPONENTS));
  if (precomputed && k <= precomputed.nComponents) {
    return Object.assign({ fitMs: 0, workers: 0, helperWaitMs: 0, precomputed: true }, precomputed);
  }
  context.progress(Phase.FITTING, 0, 1); // a larger K than made before: fitted here, as for any file
  const started = performance.now();
  const anySolver = !request.solver || request.solver === 'auto' || request.solver === 'exact';
  if (anySolver && ex.extendFit(k)) {
    // The last fit was exact: more components from its eigen-decomposition, no pass over the rows.
    session.precomputedFit = null;
    return { nComponents: k, fitMs: performance.now() - started, workers: 1, helperWaitMs: 0, solver: 'exact', passes: 0 };
  }
  ex.setFitSolver(request.solver || 'auto'); // tests may ask for one
  const solver = ex.planFit(k).solver;
  if (solver === 'gram') {
    // N < D: K exact components from the N×N Gram matrix, summed on both workers (split-gram.js)
    const { report, workers, helperWaitMs } = await fitGram(session, ex, k, context);
    session.precomputedFit = null;
    return {
      nComponents: report.nComponents,
      fitMs: performance.now() - started,
      workers,
      helperWaitMs,
      solver: 'gram',
      passes: report.passes,
    };
  }
  if (solver === 'randomized') {
    const streamedTopK = info.streamed && info.streamed.topk; // in passes over the file
    const { report, workers, helperWaitMs } = await (streamedTopK ? fitStreamedTopK : fitTopK)(session, ex, k, context);
    session.precomputedFit = null; // the model is this fit (a failed one leaves the one made before)
    const fitMs = performance.now() - started;
    return { nComponents: report.nComponents, fitMs, workers, helperWaitMs, solver: report.solver, passes: report.passes };
  }
  const { workers, helperWaitMs } = await fitExact(session, ex, info, k);
  session.precomputedFit = null;
  return { nComponents: ex.model().nComponents, fitMs: performance.now() - started, workers, helperWaitMs, solver: 'exact', passes: 1 };
}

/**
 * K components and every eigenvalue through the covariance, split over the helper when it is
 * worth it (more components later: Explorer.extendFit).
 * @param {Session} session
 * @param {Explorer} ex
 * @param {import('../../wasm/pcarecon').NpyInfo} info
 * @param {number} k
 */
async function fitExact(session, ex, info, k) {
  const n = info.samples;
  const dim = info.height * info.width * info.channels;
  const helper = info.streamed ? null : n >= dim && n * dim >= SPLIT_MIN_VALUES ? session.startHelper() : null;
  if (!helper) {
    ex.fit(k); // a streamed file: the covariance of all rows was accumulated while streaming
    return { workers: 1, helperWaitMs: 0 };
  }
  // The helper takes the second half (a copy at the stack's precision: a uint8 file's bytes); this
  // worker accumulates the first half meanwhile (slightly more: it also copies the helper's rows
  // out and merges).
  const split = Math.ceil(n * SPLIT_SHARE);
  try {
    const state = helper.accumulate(ex.heldRows(split, n - split), dim);
    ex.accumulateRows(0, split);
    const waited = performance.now();
    const rest = await state;
    const helperWaitMs = performance.now() - waited; // how long this worker waited (tunes the split)
    ex.fitWith(k, rest);
    return { workers: 2, helperWaitMs };
  } catch (error) {
    if (session.isFatal(error)) throw error;
    console.warn('[pcarecon] split fit failed, fitting in one worker:', errorMessage(error));
    ex.fit(k);
    return { workers: 1, helperWaitMs: 0 };
  }
}

/**
 * Only the variances and the components shown: the whole K×D model can be hundreds of MB.
 * @param {Session} session
 * @param {import('../shared/protocol.js').SummaryRequest} request
 * @returns {Promise<import('../shared/protocol.js').SummaryResult>}
 */
export async function summary(session, { gallery }) {
  const ex = await session.startModule();
  const model = ex.variance();
  const info = ex.info();
  const dim = model.dim;
  const shown = Math.max(0, Math.min(gallery | 0, model.nComponents));
  const components = new Float32Array(shown * dim);
  for (let i = 0; i < shown; i++) components.set(ex.component(i), i * dim);
  return {
    info,
    nComponents: model.nComponents,
    ...varianceOf(session, model),
    mean: Float32Array.from(ex.meanImage()),
    components,
    spectrumLater: ex.spectrumPending(),
  };
}

/**
 * Every eigenvalue of an exact fit that found only its K pairs, made now (SUMMARY's
 * spectrumLater); after any other fit, what SUMMARY gave.
 * @param {Session} session
 * @returns {Promise<import('../shared/protocol.js').SpectrumResult>}
 */
export async function spectrum(session) {
  const ex = await session.startModule();
  ex.makeWholeSpectrum();
  return varianceOf(session, ex.variance());
}

/**
 * The variances for the chart and the shares: an exact fit's every eigenvalue when it has them.
 * @param {Session} session
 * @param {ReturnType<Explorer['variance']>} model
 * @returns {import('../shared/protocol.js').SpectrumResult}
 */
function varianceOf(session, model) {
  const whole = model.spectrum.length > model.nComponents;
  const total = model.totalVariance;
  const ratio = whole ? model.spectrum.map((v) => (total > 0 ? v / total : 0)) : model.explainedVarianceRatio;
  return {
    totalVariance: total,
    explainedVariance: whole ? model.spectrum : model.explainedVariance,
    explainedVarianceRatio: ratio,
    shares: varianceShares(session, ratio),
  };
}

const VARIANCE_SHARES = Object.freeze([0.9, 0.95, 0.99]);

/**
 * The k reaching each share of the variance (null: more than the components computed).
 * @param {Session} session
 * @param {Float64Array} ratio
 * @returns {Array<{share: number, k: number | null}>}
 */
function varianceShares(session, ratio) {
  const ks = session.wasmModule().componentsForShares(ratio, [...VARIANCE_SHARES]);
  return VARIANCE_SHARES.map((share, i) => ({ share, k: ks[i] }));
}

/**
 * @param {Session} session
 * @param {import('../shared/protocol.js').ImagesRequest} request
 * @returns {Promise<import('../shared/protocol.js').ImagesResult>}
 */
export async function images(session, { start, count }) {
  const ex = await session.startModule();
  const info = ex.info();
  const first = Math.max(0, Math.min(start | 0, info.samples));
  const n = Math.max(0, Math.min(count | 0, info.samples - first));
  const size = info.height * info.width * info.channels;
  const pixels = new Float32Array(n * size);
  for (let i = 0; i < n; i++) pixels.set(ex.image(first + i), i * size);
  return { start: first, count: n, height: info.height, width: info.width, channels: info.channels, pixels };
}

/**
 * @param {Session} session
 * @param {import('../shared/protocol.js').FigureRequest} options
 * @param {RequestContext} context
 * @returns {Promise<import('../shared/protocol.js').FigureResult>}
 */
export async function figure(session, options, context) {
  const ex = await session.startModule();
  context.progress(Phase.BUILDING, 0, 1);
  const figureOptions = {
    sampleIndex: options.sampleIndex,
    nComponents: options.nComponents,
    step: options.step,
    frameDurationMs: options.frameDurationMs,
    binaryArrays: options.binaryArrays !== false, // plain lists for plotly.py (JSON download)
    firstFrameOnly: options.firstFrameOnly === true, // a large figure's first part (page/figure-controller.js)
    // the gray images' colours; absent: the module's defaults
    colormap: options.colormap,
    residualColormap: options.residualColormap,
    scale: options.scale,
    clipPercent: options.clipPercent,
  };
  // The page's figure: its pictures apart, as one transferred Float32Array (page/figure-pictures.js)
  if (options.parts) {
    const { json, images } = ex.figureParts(figureOptions);
    return { json, images };
  }
  return { json: ex.figureJson(figureOptions) }; // the downloads' whole figure
}

/**
 * Test only: a real fault inside the module ({fault: 'abort' | 'trap'}), to prove the page survives.
 * @param {Session} session
 * @param {import('../shared/protocol.js').DebugFaultRequest} request
 */
export async function debugFault(session, { fault }) {
  await session.startModule();
  session.wasmModule().debugFault(/** @type {'abort' | 'trap'} */ (String(fault)));
}

/**
 * Whether this worker can read a Blob itself (the page asks once, at start-up).
 * @param {import('../shared/protocol.js').ProbeBlobRequest} request
 * @returns {Promise<{readable: boolean}>}
 */
export async function probeBlob({ blob }) {
  try {
    return { readable: (await blob.arrayBuffer()).byteLength === blob.size };
  } catch (_) {
    return { readable: false };
  }
}
