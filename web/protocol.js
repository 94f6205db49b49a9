// The ONE place that defines the messages between the page (worker-client.js) and the worker
// (worker.js). A classic script: loaded by the page with <script> and concatenated into the worker
// source by scripts/build-web.mjs, so both sides read the same definitions.
//
// Page -> worker: a request   {id, type, ...payload}     (one of Request below)
//                 a cancel    {type: 'cancel', target}   (no reply of its own)
// Worker -> page: progress    {id, kind: 'progress', phase, done, total, fitCount}
//                 result      {id, kind: 'result', result, fitCount}
//                 error       {id, kind: 'error', message, cancelled, needsImageShape?, fitCount}
//                 fatal       {id?, kind: 'fatal', message}   the module aborted or trapped: the
//                             worker is unusable; the page terminates it and starts a fresh one.
// Every request gets exactly one result or error (or the worker dies with a fatal). Typed arrays in
// payloads and results travel as transferred ArrayBuffers, never copied.
(function (root) {
  'use strict';

  const Request = Object.freeze({
    // {source: Blob|File, chunkBytes, imageShape?: {height, width}, member?, stream?}
    // -> progress 'reading' (done/total bytes) -> {info}.
    // The worker reads source with Blob.slice chunk by chunk and feeds Explorer.feed; the page
    // posts the File itself, never its bytes. On error the previously loaded stack stays.
    // imageShape: the H×W of an (N, D) file (H·W = D; Explorer.beginFile(h, w)); without it a
    // square is inferred, and a D that is not a square fails with needsImageShape {samples,
    // values} on the error, so that the page can ask for one.
    // stream: {aboveBytes, windowBytes, split?} (default 1 GiB, 64 MiB, true): a file whose
    // float32 matrix needs more than aboveBytes is streamed (progress 'streaming', bytes of both
    // workers), info.streamed = {totalSamples, keptSamples, ...}; the result then also has
    // streamWorkers (1 or 2: whether the helper read a part). split: false keeps it in one worker.
    // A .npz archive (sniffed: it starts with "PK"; web/npz.js) loads the array named `member`,
    // else its only stack of images; info then has
    //   archive: {members: [{name, shape, dtype, image, note}], member}   (image: loadable as a
    //            stack of images; note: why not, or null)
    //   basis:   {nComponents, source: 'file', explainedVariance, explainedVarianceRatio} when the
    //            archive holds `components` and `mean`: the model comes from the file (booleans:
    //            those arrays were in it, else estimated from the images), and FIT does not fit.
    // With several stacks of images and no `member`, the result is instead
    //   {choose: {members: [...as above], basis}}   nothing was loaded: the page asks the visitor
    //   and sends LOAD again with `member`.
    LOAD: 'load',
    // {} -> progress 'fitting' -> {nComponents}. fit(0): all components, once per dataset; with
    // a model from a basis file, no fit: {nComponents, basis}.
    FIT: 'fit',
    // {gallery} -> {info, nComponents, explainedVariance, explainedVarianceRatio,
    //               mean: Float32Array(D), components: Float32Array(gallery*D)}
    SUMMARY: 'summary',
    // {start, count} -> {start, count, height, width, channels, pixels: Float32Array(count*H*W*channels)}
    IMAGES: 'images',
    // {sampleIndex, nComponents, step, frameDurationMs, binaryArrays?} -> progress 'building frames'
    // -> {json}; binaryArrays (default true): {dtype, bdata, shape} arrays, false: plain number lists
    FIGURE: 'figure',
    // {blob: a one-byte Blob} -> {readable}: whether this worker can read a Blob (it cannot in
    // WebKit from file://; the page then reads files for it: port-blob.js).
    PROBE_BLOB: 'probe-blob',
    // Test only: {fault: 'abort' | 'trap'} -> a real fault inside the module; the answer is a
    // fatal, and the page replaces the worker.
    DEBUG_FAULT: 'debug-fault',
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
    FITTING: 'fitting',
    BUILDING: 'building frames',
  });

  const CANCELLED_MESSAGE = 'cancelled';

  // The error a cancelled request ends with (its message and `cancelled` go into the error reply).
  function cancelledError() {
    const error = new Error(CANCELLED_MESSAGE);
    error.cancelled = true;
    return error;
  }

  // The ArrayBuffers of the typed arrays found among an object's own values (one level deep),
  // to pass as the transfer list of postMessage.
  function transferablesOf(object) {
    const buffers = [];
    if (object && typeof object === 'object') {
      for (const value of Object.values(object)) {
        if (ArrayBuffer.isView(value) && !buffers.includes(value.buffer)) buffers.push(value.buffer);
      }
    }
    return buffers;
  }

  function errorMessage(error) {
    if (error && typeof error.message === 'string' && error.message) return error.message;
    return String(error);
  }

  root.PcaProtocol = Object.freeze({
    Request,
    CANCEL,
    Kind,
    Phase,
    CANCELLED_MESSAGE,
    cancelledError,
    transferablesOf,
    errorMessage,
  });
})(typeof self !== 'undefined' ? self : this);
