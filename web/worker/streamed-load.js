// Streamed files (larger than memory; Explorer's streamed mode): the rows go into the covariance
// as they are read and only the first ones are kept. With the helper, this worker reads the first
// part of the file and the helper reads the rest itself (Blob.slice of the same File into its own
// Explorer, readRows), both at once; its part's covariance and value range come back over the
// port and are merged here. If the helper is gone, this worker reads the rest.
import { Phase, ErrorCode, cancelledError, errorMessage } from '../shared/protocol.js';
import { errorCode } from '../shared/error-codes.js';
import { blobChunks } from './blob-chunks.js';

/** @typedef {import('./worker.js').Session} Session */
/** @typedef {import('./worker.js').RequestContext} RequestContext */
/** @typedef {import('../../wasm/pcarecon').Explorer} Explorer */
/** @typedef {import('../../wasm/pcarecon').NpyInfo} NpyInfo */
/** @typedef {import('../../wasm/pcarecon').StreamedPart} StreamedPart */

const STREAM_SHARE = 0.5; // of the samples, read here (the rest by the helper)

/**
 * The rest of a streamed file, once its header (and the first chunk) has been fed up to
 * at.offset; at.pending: Explorer.headerInfo() then.
 * @param {Session} session
 * @param {Explorer} ex
 * @param {Blob} source
 * @param {{offset: number, pending: NpyInfo, chunk: number}} at
 * @param {import('../shared/protocol.js').StreamSettings | undefined} stream
 * @param {RequestContext} context
 */
export async function loadStreamedRest(session, ex, source, at, stream, context) {
  const { pending, chunk } = at;
  let offset = at.offset;
  const total = source.size;
  const streamed = /** @type {import('../../wasm/pcarecon').StreamedInfo} */ (pending.streamed);
  const { totalSamples: n, keptSamples, dataOffset, sampleBytes } = streamed;
  const fed = Math.ceil(Math.max(0, offset - dataOffset) / sampleBytes); // samples begun here
  // This worker keeps the first rows: its part holds at least the window and what it has read.
  const split = Math.max(keptSamples, fed, Math.ceil(n * STREAM_SHARE));
  const wantSplit = !(stream && stream.split === false);
  let helperDone = 0;
  const report = () => context.progress(Phase.STREAMING, offset + helperDone, total);
  const helper = wantSplit && split < n && (n - split) * sampleBytes >= chunk ? session.startHelper() : null;
  let part = null;
  if (helper) {
    ex.readRows(0, split);
    // A 2-D (N, D) file's image shape may have been inferred: say it; other shapes carry it.
    const hint = pending.shape.length === 2 ? [pending.height, pending.width] : [0, 0];
    const solver = streamed.topk ? 'topk' : 'covariance'; // the helper's part is taken the same way
    part = helper.readPart({ source, dataOffset, begin: split, end: n, sampleBytes, chunk, hint, solver }, (done) => {
      helperDone = done;
      report();
    });
  }
  let stop = part ? dataOffset + split * sampleBytes : total;
  report();
  try {
    offset = await streamBytes(ex, source, offset, stop, chunk, context, report);
    if (part) {
      /** @type {StreamedPart | null} */
      let result = null;
      try {
        result = await untilCancelled(part.promise, context);
      } catch (error) {
        if (errorCode(error) === ErrorCode.CANCELLED) throw error;
        if (!(/** @type {{helperDown?: boolean}} */ (error).helperDown)) throw firstError(ex, error); // the file's own error, in the helper's part
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

/**
 * An error of the file found by the helper in its part: an error in this worker's part (e.g. a
 * NaN) comes first in the file, so finishing here says it if there is one; that the helper's part
 * was not read is no error of the file.
 * @param {Explorer} ex
 * @param {unknown} helperError
 */
function firstError(ex, helperError) {
  try {
    ex.finishFile();
  } catch (own) {
    if (errorCode(own) !== ErrorCode.PARTS_INCOMPLETE) return own;
  }
  return helperError;
}

/**
 * Feeds bytes [offset, stop) of source; returns the new offset.
 * @param {Explorer} ex
 * @param {Blob} source
 * @param {number} offset
 * @param {number} stop
 * @param {number} chunk
 * @param {RequestContext} context
 * @param {() => void} report
 */
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

/**
 * The promise, or a cancellation as soon as the visitor asks for one (polled: the cancel
 * message arrives between two events of this worker; every 5 ms, since a change of view waits on
 * it too: dataset-distortions.js).
 * @template T
 * @param {Promise<T>} promise
 * @param {RequestContext} context
 * @returns {Promise<T>}
 */
export function untilCancelled(promise, context) {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  /** @type {Promise<never>} */
  const cancelled = new Promise((_, reject) => {
    timer = setInterval(() => {
      if (context.cancelled()) reject(cancelledError());
    }, 5);
  });
  return Promise.race([promise, cancelled]).finally(() => clearInterval(timer));
}
