// The top-K fit of a streamed file (wasm/streamed_topk.h): every pass of the solver reads the
// file once more. This worker reads the first half of the rows into its Explorer
// (streamedTopKFeed) while the helper reads the second half into a FileGramPass of its own
// (worker-helper.js) and sends back its product; merged here, the solver takes its step and the
// next basis goes out. Memory stays O(K·D + one chunk) whatever N is. Progress names the pass and
// the bytes; a cancel is seen between two chunks (here, and in the helper through cancel-part).
import { passPhase, ErrorCode, cancelledError, errorMessage } from '../shared/protocol.js';
import { errorCode } from '../shared/error-codes.js';
import { blobChunks } from './blob-chunks.js';
import { untilCancelled } from './streamed-load.js';

/** @typedef {import('./worker.js').Session} Session */
/** @typedef {import('./worker.js').RequestContext} RequestContext */
/** @typedef {import('../../wasm/pcarecon').Explorer} Explorer */

const SHARE = 0.5; // of the rows, read here each pass (the helper reads the rest meanwhile)
const MOST_PASSES = 17; // the solver's Gram passes at most (16), and the moments pass (the load)
const CHUNK = 4 << 20;

/**
 * K components of the streamed file loaded last (session.streamedSource), in passes over it.
 * @param {Session} session
 * @param {Explorer} ex
 * @param {number} k
 * @param {RequestContext} context
 * @returns {Promise<{report: import('../../wasm/pcarecon').FitReport, workers: number, helperWaitMs: number}>}
 */
export async function fitStreamedTopK(session, ex, k, context) {
  const source = session.streamedSource;
  if (!source) throw new Error('internal error: the streamed file is not at hand for its passes');
  const streamed = /** @type {import('../../wasm/pcarecon').StreamedInfo} */ (ex.info().streamed);
  const { totalSamples: n, dataOffset, sampleBytes } = streamed;
  const passBytes = n * sampleBytes;
  const split = Math.max(1, Math.ceil(n * SHARE));
  let helper = split < n ? session.startHelper() : null;
  ex.beginStreamedTopK(k);
  let helperWaitMs = 0;
  /** @type {Uint8Array | null} */
  let header = null; // the file's first bytes, for a pass over the helper's rows read here
  /** @type {Float64Array | null} */
  let spare = null; // the helper's last product: the next basis goes out in it (copy_into)
  for (let pass = 2; !ex.streamedTopKDone(); pass++) {
    let ownDone = 0;
    let helperDone = 0;
    const report = () => context.progress(passPhase(pass, MOST_PASSES), ownDone + helperDone, passBytes);
    report();
    const own = helper ? split : n;
    let part = null;
    if (helper) {
      const basis = ex.streamedTopKBasis(spare);
      const request = { source, dataOffset, begin: split, end: n, sampleBytes, chunk: CHUNK, pass: basis };
      part = helper.filePass(request, [basis.mean.buffer, basis.basis.buffer], (done) => {
        helperDone = done;
        report();
      });
    }
    try {
      ex.streamedTopKBeginPass(0, own);
      await feedRows(source, dataOffset, dataOffset + own * sampleBytes, context, (bytes) => {
        ex.streamedTopKFeed(bytes);
        ownDone += bytes.byteLength;
        report();
      });
      if (!part) {
        ex.streamedTopKFinishPass(null, 0);
        continue;
      }
      const waited = performance.now();
      /** @type {Float64Array | null} */
      let product = null;
      try {
        product = await untilCancelled(part.promise, context);
      } catch (error) {
        if (errorCode(error) === ErrorCode.CANCELLED || !(/** @type {{helperDown?: boolean}} */ (error).helperDown)) throw error;
        console.warn('[pcarecon] the helper worker failed; reading its rows here:', errorMessage(error));
        helper = null;
        header = header || new Uint8Array(await source.slice(0, dataOffset).arrayBuffer());
        product = await restHere(session, ex, source, header, { split, n, dataOffset, sampleBytes }, context, (done) => {
          helperDone = done;
          report();
        });
      }
      helperWaitMs += performance.now() - waited;
      ex.streamedTopKFinishPass(product, n - split);
      spare = product; // the next basis goes out in it
    } finally {
      if (part) part.cancel(); // stops the helper when this worker stopped first (no-op after)
    }
  }
  return { report: ex.finishStreamedTopK(), workers: helper ? 2 : 1, helperWaitMs };
}

/**
 * Bytes [start, stop) of the file, chunk by chunk, each handed to `feed` (a cancel is seen
 * between two chunks).
 * @param {Blob} source
 * @param {number} start
 * @param {number} stop
 * @param {RequestContext} context
 * @param {(bytes: Uint8Array) => void} feed
 */
async function feedRows(source, start, stop, context, feed) {
  for await (const bytes of blobChunks(source, start, stop, CHUNK)) {
    if (context.cancelled()) throw cancelledError();
    feed(bytes);
  }
  if (context.cancelled()) throw cancelledError();
}

/**
 * The helper's rows of this pass, read here (the helper is gone): their product.
 * @param {Session} session
 * @param {Explorer} ex
 * @param {Blob} source
 * @param {Uint8Array} header
 * @param {{split: number, n: number, dataOffset: number, sampleBytes: number}} rows
 * @param {RequestContext} context
 * @param {(done: number) => void} onProgress
 */
async function restHere(session, ex, source, header, { split, n, dataOffset, sampleBytes }, context, onProgress) {
  const pass = new (session.wasmModule().FileGramPass)(header, split, n, ex.streamedTopKBasis(null));
  try {
    let done = 0;
    await feedRows(source, dataOffset + split * sampleBytes, dataOffset + n * sampleBytes, context, (bytes) => {
      pass.feed(bytes);
      done += bytes.byteLength;
      onProgress(done);
    });
    return pass.product(null);
  } finally {
    pass.delete();
  }
}
