// The ONE place that defines the messages between the page (page/worker-client.js) and the worker
// (worker/worker.js), and between the worker and its helper (worker/worker-helper.js): both
// sides import these definitions, and tsc checks the messages against the types below.
//
// Page -> worker: a request   {id, type, ...payload}     (one of Request below)
//                 a cancel    {type: 'cancel', target}   (no reply of its own)
//                 the port    {helper: 'port', port}     joins the two workers (HelperPortMessage)
//                 the reader  {reader: 'port', port}     the page reads files for this worker
//                             through it, where a worker cannot read a Blob (worker/port-blob.js)
// Worker -> page: progress    {id, kind: 'progress', phase, done, total, fitCount}
//                 result      {id, kind: 'result', result, fitCount}
//                 error       {id, kind: 'error', message, code, samples?, values?, fitCount}
//                 fatal       {id?, kind: 'fatal', message}   the module aborted or trapped: the
//                             worker is unusable; the page terminates it and starts a fresh one.
// Every request gets exactly one result or error (or the worker dies with a fatal). Typed arrays in
// payloads and results travel as transferred ArrayBuffers, never copied.
import { ErrorCode, codedError } from './error-codes.js';

/** @typedef {import('./error-codes.js').ErrorCodeName} ErrorCodeName */
/** @typedef {import('../../wasm/pcarecon').NpyInfo} NpyInfo */
/** @typedef {import('../../wasm/pcarecon').BasisInfo} BasisInfo */
/** @typedef {import('../../wasm/pcarecon').AccumulatorState} AccumulatorState */
/** @typedef {import('../../wasm/pcarecon').StreamedPart} StreamedPart */

const Request = Object.freeze({
  // {source: Blob|File, chunkBytes, imageShape?: {height, width}, member?, stream?}
  // -> progress 'reading' (done/total bytes) -> {info}.
  // The worker reads source with Blob.slice chunk by chunk and feeds Explorer.feed; the page
  // posts the File itself, never its bytes. On error the previously loaded stack stays.
  // imageShape: the H×W of an (N, D) file (H·W = D; Explorer.beginFile(h, w)); without it a
  // square is inferred, and a D that is not a square fails with code 'needs_image_shape' and
  // {samples, values} on the error, so that the page can ask for one.
  // stream: {aboveBytes, windowBytes, split?} (default 1 GiB, 64 MiB, true): a file whose
  // float32 matrix needs more than aboveBytes is streamed (progress 'streaming', bytes of both
  // workers), info.streamed = {totalSamples, keptSamples, ...}; the result then also has
  // streamWorkers (1 or 2: whether the helper read a part). split: false keeps it in one worker.
  // A .npz archive (sniffed: it starts with "PK"; worker/npz.js) loads the array named `member`,
  // else its only stack of images; info then has
  //   archive: {members: [{name, shape, dtype, image, note}], member}   (image: loadable as a
  //            stack of images; note: why not, or null)
  //   basis:   {nComponents, source: 'file', explainedVariance, explainedVarianceRatio} when the
  //            archive holds `components` and `mean`: the model comes from the file (booleans:
  //            those arrays were in it, else estimated from the images), and FIT does not fit.
  // With several stacks of images and no `member`, the result is instead
  //   {choose: {members: [...as above], basis}}   nothing was loaded: the page asks the visitor
  //   and sends LOAD again with `member`.
  // fitted: {fit: {nComponents, solver, passes}, arrays: {components, mean, explained_variance,
  //   explained_variance_ratio}: .npy bytes} with a .npy: the fit of these very images, made
  //   before (the built-in sample's, at build time: scripts/default-basis.mjs). It is the model,
  //   as if FIT had made it (no info.basis); FIT fits only for a larger K. The helper is not started.
  LOAD: 'load',
  // {} -> progress 'fitting' -> {nComponents}. fit(0): all components, once per dataset; with
  // a model from a basis file, no fit: {nComponents, basis}; with LOAD's fitted model and a K it
  // holds, no fit: {nComponents, solver, passes, precomputed: true}.
  FIT: 'fit',
  // {gallery} -> {info, nComponents, explainedVariance, explainedVarianceRatio,
  //               mean: Float32Array(D), components: Float32Array(gallery*D)}
  SUMMARY: 'summary',
  // {} -> {totalVariance, explainedVariance, explainedVarianceRatio, shares}: every eigenvalue,
  // made now after an exact fit that found only its K pairs (SUMMARY's spectrumLater), as
  // SUMMARY gives them after any other fit. The page asks once the figure is up.
  SPECTRUM: 'spectrum',
  // {start, count} -> {start, count, height, width, channels, pixels: Float32Array(count*H*W*channels)}
  IMAGES: 'images',
  // {sampleIndex, nComponents, step, frameDurationMs, binaryArrays?} -> progress 'building frames'
  // -> {json}; binaryArrays (default true): {dtype, bdata, shape} arrays, false: plain number lists
  FIGURE: 'figure',
  // {blob: a one-byte Blob} -> {readable}: whether this worker can read a Blob (it cannot in
  // WebKit from file://; the page then reads files for it: worker/port-blob.js).
  PROBE_BLOB: 'probe-blob',
  // Test only: {fault: 'abort' | 'trap'} -> a real fault inside the module; the answer is a
  // fatal, and the page replaces the worker.
  DEBUG_FAULT: 'debug-fault',
  // {k, worst} -> progress 'measuring every image' (rows of this worker) -> {k, samples, workers,
  // meanDistortion: Float64Array(k+1), worst: Int32Array, worstDistortion: Float64Array,
  // pixels: Float32Array(worst·H·W·channels), height, width, channels}: every loaded image's
  // ‖x − x̂ₖ‖² (worker/dataset-distortions.js), the `worst` largest (at most 16), worst first.
  DISTORTIONS: 'distortions',
  // {sampleIndex, first, last} -> {sampleIndex, first, last, height, width, channels,
  // pixels: Float32Array(H·W·channels)}: the sample from components first..last (1-based) only.
  RANGE: 'range',
  // {samples: number[] (at most 8), nComponents, step} -> {samples, ks: Int32Array (0, step, ..., K),
  // height, width, channels, originals: Float32Array(n·D), reconstructions: Float32Array(frames·n·D)
  // (frame f, sample s at (f·n + s)·D)}: the grid of samples (worker/grid-request.js).
  GRID: 'grid',
  // {} -> {ms}: a small fit of made-up images in a scratch Explorer, and the helper's part of one,
  // so that the browser has optimised the fit's code before a visitor's first file (worker/warm-up.js).
  WARM_UP: 'warm-up',
});

// Cooperative cancel of a LOAD between two chunks: {type: CANCEL, target: id}.
const CANCEL = 'cancel';

const Kind = Object.freeze({
  PROGRESS: 'progress',
  RESULT: 'result',
  ERROR: 'error',
  FATAL: 'fatal',
});

// Names shown to the visitor in the progress bar.
const Phase = Object.freeze({
  STARTING: 'starting the engine',
  READING: 'reading',
  STREAMING: 'streaming', // a file larger than memory: read and accumulated in one pass
  PASS: 'pass', // a top-K fit's pass over such a file: passPhase(i, most) names which
  FITTING: 'fitting',
  BUILDING: 'building frames',
  MEASURING: 'measuring every image',
});

const CANCELLED_MESSAGE = 'cancelled';

/**
 * The progress phase of pass i (of at most `most`) of a streamed top-K fit over the file; its
 * done/total count the bytes of the pass read by both workers.
 * @param {number} pass
 * @param {number} most
 */
function passPhase(pass, most) {
  return `${Phase.PASS} ${pass} of at most ${most} over`;
}

/** The error a cancelled request ends with (code 'cancelled'). */
function cancelledError() {
  return codedError(CANCELLED_MESSAGE, ErrorCode.CANCELLED);
}

// The ArrayBuffers of the typed arrays found among an object's own values (one level deep),
// to pass as the transfer list of postMessage.
/**
 * @param {unknown} object
 * @returns {ArrayBuffer[]}
 */
function transferablesOf(object) {
  /** @type {ArrayBuffer[]} */
  const buffers = [];
  if (object && typeof object === 'object') {
    for (const value of Object.values(object)) {
      if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && !buffers.includes(value.buffer)) buffers.push(value.buffer);
    }
  }
  return buffers;
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function errorMessage(error) {
  if (error instanceof Error && error.message) return error.message;
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string' && error.message) return error.message;
  return String(error);
}

export { ErrorCode, Request, CANCEL, Kind, Phase, passPhase, CANCELLED_MESSAGE, cancelledError, transferablesOf, errorMessage };

// ---- the messages, as types (checked by `tsc --noEmit -p .`) ---------------------------------

/**
 * @typedef {{name: string, shape: number[] | null, dtype: string | null, image: boolean, note: string | null}} ArchiveMember
 * @typedef {{aboveBytes?: number, windowBytes?: number, split?: boolean, solver?: 'auto' | 'covariance' | 'topk'}} StreamSettings
 * A file as a worker gets it: the Blob itself, or where the page reads it for the worker, which
 * bytes of which of the page's files, or the bytes themselves (the built-in dataset; worker/port-blob.js).
 * @typedef {Blob | {portBlob: {token: number, start: number, size: number}} | {bytes: Uint8Array}} FileSource
 * @typedef {{read: number, token: number, start: number, end: number}} ReadRequest
 * @typedef {{read: number, buffer: ArrayBuffer} | {read: number, error: string}} ReadReply
 * @typedef {{id: number, type: 'load', source: FileSource, chunkBytes?: number, imageShape?: {height: number, width: number}, member?: string | null, stream?: StreamSettings, fitted?: PrecomputedFit}} LoadRequest
 * @typedef {{fit: {nComponents: number, solver: 'exact' | 'randomized', passes: number}, arrays: Partial<Record<Parameters<import('../../wasm/pcarecon').Explorer['setBasisArray']>[0], Uint8Array>>}} PrecomputedFit
 * @typedef {{id: number, type: 'fit', nComponents?: number, solver?: 'auto' | 'exact' | 'randomized' | 'gram'}} FitRequest
 * @typedef {{id: number, type: 'summary', gallery: number}} SummaryRequest
 * @typedef {{id: number, type: 'spectrum'}} SpectrumRequest
 * @typedef {{id: number, type: 'images', start: number, count: number}} ImagesRequest
 * @typedef {{id: number, type: 'figure', sampleIndex: number, nComponents: number, step: number, frameDurationMs: number, binaryArrays?: boolean, parts?: boolean, firstFrameOnly?: boolean, colormap?: 'grey' | 'viridis' | 'cividis' | 'magma', residualColormap?: 'red-blue' | 'purple-orange', scale?: 'fixed' | 'frame', clipPercent?: number}} FigureRequest
 * @typedef {{id: number, type: 'debug-fault', fault: 'abort' | 'trap'}} DebugFaultRequest
 * @typedef {{id: number, type: 'probe-blob', blob: Blob}} ProbeBlobRequest
 * @typedef {{id: number, type: 'distortions', k: number, worst: number}} DistortionsRequest
 * @typedef {{id: number, type: 'range', sampleIndex: number, first: number, last: number}} RangeRequest
 * @typedef {{id: number, type: 'grid', samples: number[], nComponents: number, step: number}} GridRequest
 * @typedef {{id: number, type: 'warm-up'}} WarmUpRequest
 * @typedef {LoadRequest | FitRequest | SummaryRequest | SpectrumRequest | ImagesRequest | FigureRequest | DebugFaultRequest | ProbeBlobRequest | DistortionsRequest | RangeRequest | GridRequest | WarmUpRequest} RequestMessage
 * @typedef {RequestMessage['type']} RequestType
 * @typedef {{type: 'cancel', target: number}} CancelMessage
 * @typedef {{helper: 'port', port: MessagePort}} HelperPortMessage
 * @typedef {{reader: 'port', port: MessagePort}} ReaderPortMessage
 * @typedef {RequestMessage | CancelMessage | HelperPortMessage | ReaderPortMessage} ToWorkerMessage
 */

/**
 * @typedef {NpyInfo & {archive?: {members: ArchiveMember[], member: string}}} LoadedInfo
 * @typedef {{info: LoadedInfo, streamWorkers?: number} | {choose: {members: ArchiveMember[], basis: boolean}}} LoadResult
 * @typedef {{nComponents: number, fitMs: number, workers: number, helperWaitMs: number, basis?: BasisInfo, solver?: 'exact' | 'randomized' | 'gram', passes?: number, precomputed?: boolean}} FitResult
 * explainedVariance(Ratio): every eigenvalue after an exact or a Gram fit (more than nComponents), else the K fitted;
 * spectrumLater: an exact fit that found its K pairs only, whose every eigenvalue SPECTRUM makes.
 * @typedef {{totalVariance: number, explainedVariance: Float64Array, explainedVarianceRatio: Float64Array, shares: Array<{share: number, k: number | null}>}} SpectrumResult
 * @typedef {SpectrumResult & {info: NpyInfo, nComponents: number, mean: Float32Array, components: Float32Array, spectrumLater: boolean}} SummaryResult
 * @typedef {{start: number, count: number, height: number, width: number, channels: number, pixels: Float32Array}} ImagesResult
 * @typedef {{json: string, images?: Float32Array}} FigureResult
 * @typedef {{samples: number[], ks: Int32Array, height: number, width: number, channels: number, originals: Float32Array, reconstructions: Float32Array}} GridResult
 * @typedef {{sampleIndex: number, first: number, last: number, height: number, width: number, channels: number, pixels: Float32Array}} RangeResult
 * @typedef {{k: number, samples: number, workers: number, meanDistortion: Float64Array, worst: Int32Array, worstDistortion: Float64Array, pixels: Float32Array, height: number, width: number, channels: number}} DistortionsResult
 * @typedef {{load: LoadResult, fit: FitResult, summary: SummaryResult, spectrum: SpectrumResult, images: ImagesResult, figure: FigureResult, 'debug-fault': void, 'probe-blob': {readable: boolean}, distortions: DistortionsResult, range: RangeResult, grid: GridResult, 'warm-up': {ms: number}}} ResultOf
 */

/**
 * @typedef {{id: number, kind: 'progress', phase: string, done: number, total: number, fitCount: number}} ProgressReply
 * @typedef {{id: number, kind: 'result', result: unknown, fitCount: number}} ResultReply
 * @typedef {{id: number, kind: 'error', message: string, code: ErrorCodeName, samples?: number, values?: number, fitCount: number}} ErrorReply
 * @typedef {{id?: number, kind: 'fatal', message: string}} FatalReply
 * @typedef {ProgressReply | ResultReply | ErrorReply | FatalReply} Reply
 */

// ---- the helper's messages (worker <-> helper, over the MessagePort the page set up) ----------
// main -> helper: warm (start the module), accumulate (rows of a fit), read-part (samples
// [begin, end) of a streamed file), cancel-part, share / moments / gram / drop-share (a split
// top-K fit), gram-piece / gram-take / component-weights / component-piece / drop-gram (a split
// Gram fit), distortions (rows and the model's head). helper -> main: state (of accumulate), part
// (of read-part), progress (bytes of the part read), result (of the split fit's requests and of
// distortions), error (down: the helper cannot work at all).

/**
 * @typedef {{helper: 'warm', kernels?: boolean}} HelperWarm
 * @typedef {{helper: 'accumulate', id: number, rows: import('../../wasm/pcarecon').HeldRows | null, dim: number}} HelperAccumulate
 * @typedef {{source: Blob, dataOffset: number, begin: number, end: number, sampleBytes: number, chunk: number, hint: number[], solver?: 'auto' | 'covariance' | 'topk'}} PartRequest
 * @typedef {{helper: 'read-part', id: number} & Omit<PartRequest, 'source'> & {source: FileSource}} HelperReadPart
 * @typedef {{source: Blob, dataOffset: number, begin: number, end: number, sampleBytes: number, chunk: number, pass: {mean: Float64Array, basis: Float64Array, width: number}}} FilePassRequest
 * @typedef {{helper: 'file-pass', id: number} & Omit<FilePassRequest, 'source'> & {source: FileSource}} HelperFilePass
 * @typedef {{helper: 'cancel-part', id: number}} HelperCancelPart
 * @typedef {{helper: 'state', id: number, state: AccumulatorState}} HelperState
 * @typedef {{helper: 'part', id: number, part: StreamedPart}} HelperPart
 * @typedef {{helper: 'progress', id: number, done: number}} HelperProgress
 * @typedef {{helper: 'error', id: number, message: string, code: ErrorCodeName, down?: boolean}} HelperError
 * @typedef {{helper: 'share', id: number, rows: import('../../wasm/pcarecon').HeldRows | null, dim: number, firstSample: number} | {helper: 'moments', id: number, shift: Float64Array} | {helper: 'gram', id: number, pass: {mean: Float64Array, basis: Float64Array, width: number}} | {helper: 'drop-share', id: number}} HelperSplitFit
 * @typedef {{helper: 'result', id: number, result: any}} HelperResult
 * @typedef {{helper: 'distortions', id: number, rows: import('../../wasm/pcarecon').HeldRows, mean: Float64Array, components: Float64Array}} HelperDistortions
 * @typedef {{helper: 'gram-piece', id: number, rows: Uint8Array | Int8Array | null, width: number, samples: number, begin: number} | {helper: 'gram-take', id: number} | {helper: 'component-weights', id: number, weighed: import('../../wasm/pcarecon').GramWeights} | {helper: 'component-piece', id: number, rows: Uint8Array | Int8Array | null, width: number, begin: number} | {helper: 'drop-gram', id: number}} HelperSplitGram
 * @typedef {HelperWarm | HelperAccumulate | HelperReadPart | HelperFilePass | HelperCancelPart | HelperState | HelperPart | HelperProgress | HelperError | HelperSplitFit | HelperSplitGram | HelperResult | HelperDistortions} HelperMessage
 */
