// The Gram path split over the two workers (wasm/split_gram.h): this worker sums G over the first
// half of the columns, a range at a time, while the helper sums the other half from copies sent a
// piece at a time, at most AHEAD pieces in flight: the helper never holds the stack or a double G,
// only its int32 sums (N² int32) and a piece or two. When this worker is done with its half first,
// it takes the columns not yet sent, from the last one down, so neither waits long for the other.
// The helper's sums come back exact and are added here; then the fit (Lanczos or the full
// eigensolver) runs here.
import { Phase, cancelledError, errorMessage } from '../shared/protocol.js';

/** @typedef {import('./worker.js').Session} Session */
/** @typedef {import('./worker.js').RequestContext} RequestContext */
/** @typedef {import('../../wasm/pcarecon').Explorer} Explorer */
/** @typedef {import('../../wasm/pcarecon').FitReport} FitReport */

const SHARE = 0.5; // of the columns, summed here (helperWaitMs in the FIT result tells the balance)
const PIECE_BYTES = 4 << 20; // a piece for the helper: N rows × some columns, of bytes
const OWN_STEP_BYTES = 2 << 20; // columns summed here between two looks at the helper's replies
const AHEAD = 2; // pieces sent and not yet summed by the helper
// Below this much work (N²·D multiply-adds) one worker is as quick: 300 crops of 128×128 is 1.5e9.
const SPLIT_MIN_WORK = 4e9;
const BYTE_TYPES = ['|u1', '|i1', '|b1'];

const breathe = () => new Promise((resolve) => setTimeout(resolve, 0)); // lets the helper's replies in

/**
 * K exact components by the Gram path (N < D), on both workers when it is worth it.
 * @param {Session} session
 * @param {Explorer} ex
 * @param {number} k
 * @param {RequestContext} context
 * @returns {Promise<{report: FitReport, workers: number, helperWaitMs: number}>}
 */
export async function fitGram(session, ex, k, context) {
  const info = ex.info();
  const n = info.samples;
  const dim = info.height * info.width * info.channels;
  // Within the memory budget (the renderer grows by at most 2× the file + 200 MB): this
  // worker holds the file's N·D bytes, G and its int32 sums (12·N² bytes) and ~140 MB more (3000
  // crops of 256×256: +448 MB in one worker); the helper adds its int32 sums (4·N²) and ~40 MB.
  // All of G's 16·N² bytes must then fit in the file's own size once more: 16·N ≤ D (3000×65536:
  // +516–573 MB of 594; 6000 such crops stay in one worker).
  const withinBudget = 16 * n <= dim;
  const worth = BYTE_TYPES.includes(info.dtype) && n * n * dim >= SPLIT_MIN_WORK && withinBudget;
  const helper = worth ? session.startHelper() : null;
  if (!helper) return { report: ex.fitForView(k), workers: 1, helperWaitMs: 0 };
  const own = Math.min(dim - 1, Math.max(1, Math.round(dim * SHARE)));
  const pieceColumns = Math.max(256, Math.floor(PIECE_BYTES / n / 256) * 256);
  const ownStep = Math.max(256, Math.floor(OWN_STEP_BYTES / n / 256) * 256);
  let sent = own; // the next column for the helper
  let high = dim; // columns from here on are summed here (taken from the helper's half at its end)
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();
  /** @type {Error | null} */
  let failure = null;
  const sendPiece = () => {
    const begin = sent;
    const end = Math.min(high, begin + pieceColumns);
    const rows = ex.gramPiece(begin, end);
    sent = end;
    const message = { helper: /** @type {const} */ ('gram-piece'), id: 0, rows, width: end - begin, samples: n, begin };
    const summed = helper
      .splitFit(message, [rows.buffer])
      .then((/** @type {import('../../wasm/pcarecon').GramShareSums | null} */ sums) => {
        if (sums) ex.addGramShare(sums);
      })
      .catch((/** @type {Error} */ error) => {
        failure = failure || error;
      })
      .finally(() => inFlight.delete(summed));
    inFlight.add(summed);
  };
  const topUp = () => {
    while (!failure && inFlight.size < AHEAD && sent < high) sendPiece();
  };
  try {
    ex.beginSplitGram();
    topUp();
    // A range here [begin, end), then a look at the helper's replies.
    const step = async (/** @type {number} */ begin, /** @type {number} */ end) => {
      if (context.cancelled()) throw cancelledError();
      ex.gramColumns(begin, end);
      context.progress(Phase.FITTING, Math.min(own, end) + (dim - high) + (sent - own), dim);
      await breathe();
      if (failure) throw failure;
      topUp();
    };
    for (let c = 0; c < own; c += ownStep) await step(c, Math.min(own, c + ownStep));
    while (sent < high) {
      const begin = Math.max(sent, high - ownStep);
      const end = high;
      high = begin; // before the step's topUp: these are not for the helper any more
      await step(begin, end);
    }
    const waited = performance.now();
    while (inFlight.size > 0) {
      if (context.cancelled()) throw cancelledError();
      await Promise.race(inFlight);
      if (failure) throw failure;
      topUp();
    }
    ex.addGramShare(await helper.splitFit({ helper: 'gram-take', id: 0 }));
    const helperWaitMs = performance.now() - waited; // how long this worker waited for the helper
    return { report: ex.finishSplitGram(k), workers: 2, helperWaitMs };
  } catch (error) {
    if (session.isFatal(error)) throw error;
    if (context.cancelled()) {
      ex.dropSplitGram();
      throw error;
    }
    console.warn('[pcarecon] split Gram fit failed, fitting in one worker:', errorMessage(error));
    return { report: ex.fitForView(k), workers: 1, helperWaitMs: 0 }; // drops the split sums
  } finally {
    helper.splitFit({ helper: 'drop-gram', id: 0 }).catch(() => {});
  }
}
