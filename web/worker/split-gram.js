// The Gram path split over the two workers (wasm/split_gram.h), in two phases that share columns
// the same way (shareColumns): G, then the components' product Xcᵀ·W. This worker does the first
// half of the columns, a range at a time, while the helper gets copies of the other half a piece
// at a time, at most AHEAD pieces in flight: it never holds the stack or a double G, only its
// int32 sums of G (N² int32) or the weights W (N×K float32), and a piece or two. When this worker
// is done with its half first, it takes the columns not yet sent, from the last one down, so
// neither waits long for the other. The helper's sums of G come back exact and are added here;
// G's eigenpairs (Lanczos or the full eigensolver) are found here; the helper's rows of the
// product are the same float32 values as this worker's, so the model is the one-worker one. Where
// the helper would pass the memory budget, this worker does both alone, a range at a time still
// (progress is shown, Cancel is heard).
import { Phase, cancelledError, errorMessage } from '../shared/protocol.js';
import { yieldToMessages } from './yield-to-messages.js';
import { heldAsBytes } from './held-as-bytes.js';

/** @typedef {import('./worker.js').Session} Session */
/** @typedef {import('./worker.js').RequestContext} RequestContext */
/** @typedef {import('../../wasm/pcarecon').Explorer} Explorer */
/** @typedef {import('../../wasm/pcarecon').FitReport} FitReport */

const SHARE = 0.5; // of the columns, done here (helperWaitMs in the FIT result tells the balance)
const PIECE_BYTES = 4 << 20; // a piece for the helper: N rows × some columns, of bytes
const OWN_STEP_BYTES = 2 << 20; // columns done here between two looks at the helper's replies
const AHEAD = 2; // pieces sent and not yet done by the helper
// Below this much work (N²·D multiply-adds) one worker is as quick: 300 crops of 128×128 is 1.5e9.
const SPLIT_MIN_WORK = 4e9;
const GRAM_ALIGN = 256; // the 16-bit kernel's block of columns
const PRODUCT_ALIGN = 256; // kComponentBlock (gram_fit.h): rows anywhere equal the whole's

/**
 * Columns [0, dim) done in two places: [0, own) here a step at a time (own: `share` of them),
 * pieces from `own` up in the helper (send), at most AHEAD in flight, their answers added here
 * (add); then the columns not yet sent, here from the last one down. Every range starts at a
 * multiple of `align`. An answer that comes after this has ended (failed or cancelled) is
 * dropped, never added to a later fit.
 * @template T
 * @param {{dim: number, samples: number, share: number, align: number, context: RequestContext,
 *   here: (begin: number, end: number) => void,
 *   send: (begin: number, end: number) => Promise<T>,
 *   add: (begin: number, end: number, answer: T) => void,
 *   progress: (done: number) => void}} plan
 * @returns {Promise<{waitedMs: number, sent: number}>} how long this worker waited for the
 *   helper at the end, and how many columns it sent there
 */
async function shareColumns(plan) {
  const { dim, align, context } = plan;
  const columnsOf = (/** @type {number} */ bytes) => Math.max(align, Math.floor(bytes / plan.samples / align) * align);
  const own = plan.share >= 1 ? dim : Math.min(dim, Math.max(align, Math.round((dim * plan.share) / align) * align));
  const pieceColumns = columnsOf(PIECE_BYTES);
  const ownStep = columnsOf(OWN_STEP_BYTES);
  let sent = own; // the next column for the helper
  let high = dim; // columns from here on are done here (taken from the helper's half at its end)
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();
  /** @type {Error | null} */
  let failure = null;
  let ended = false;
  const topUp = () => {
    while (!failure && inFlight.size < AHEAD && sent < high) {
      const begin = sent;
      // Pieces shrink near the end to a step's size, so that neither waits long for the other's last.
      const width = Math.max(ownStep, Math.min(pieceColumns, Math.floor((high - sent) / 4 / align) * align));
      const end = Math.min(high, begin + width);
      sent = end;
      const done = plan
        .send(begin, end)
        .then((answer) => {
          if (!ended) plan.add(begin, end, answer);
        })
        .catch((/** @type {Error} */ error) => {
          failure = failure || error;
        })
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
  };
  // A range here [begin, end), then a look at the helper's replies.
  const step = async (/** @type {number} */ begin, /** @type {number} */ end) => {
    if (context.cancelled()) throw cancelledError();
    plan.here(begin, end);
    plan.progress(Math.min(own, end) + (dim - high) + (sent - own));
    await yieldToMessages(); // the helper's replies are added meanwhile
    if (failure) throw failure;
    topUp();
  };
  try {
    topUp();
    for (let c = 0; c < own; c += ownStep) await step(c, Math.min(own, c + ownStep));
    while (sent < high) {
      const begin = Math.max(sent, Math.floor((high - ownStep) / align) * align);
      const end = high;
      high = begin; // before the step's topUp: these are not for the helper any more
      await step(begin, end);
    }
    const waited = performance.now();
    while (inFlight.size > 0) {
      if (context.cancelled()) throw cancelledError();
      await Promise.race(inFlight);
      if (failure) throw failure;
    }
    return { waitedMs: performance.now() - waited, sent: sent - own };
  } finally {
    ended = true;
  }
}

/**
 * K exact components by the Gram path (N < D): for long fits of 8-bit stacks a range at a time,
 * on both workers within the memory budget.
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
  // Long fits are summed a range at a time (progress is shown, Cancel is heard between two). With
  // the helper only within the memory budget (the renderer grows by at most 2× the file +
  // 200 MB): this worker holds the file's N·D bytes, G and its int32 sums (12·N² bytes) and
  // ~140 MB more (3000 crops of 256×256: +448 MB in one worker); the helper adds its int32 sums
  // (4·N²), its module and ~40 MB. All of G's 16·N² bytes must then fit in the file's own size
  // once more: 16·N ≤ D (3000×65536: +499–595 MB, the budget 594). Beyond it (6000 such crops: +894 MB of
  // 986 in one worker) even the helper's module is too much, and this worker does it all.
  const long = heldAsBytes(info) && n * n * dim >= SPLIT_MIN_WORK;
  if (!long) return { report: ex.fitForView(k), workers: 1, helperWaitMs: 0 };
  const helper = 16 * n <= dim ? session.startHelper() : null;
  const toHelper = (/** @type {any} */ message, /** @type {Transferable[]} */ transfer = []) => {
    if (!helper) throw new Error('internal error: no helper to send columns to');
    return helper.splitFit(message, transfer);
  };
  // Progress in multiply-adds per sample: N/2 per column of G, K per column of the product.
  const total = dim * (n / 2 + k);
  const plan = { dim, samples: n, share: helper ? SHARE : 1, context };
  try {
    ex.beginSplitGram();
    const gram = await shareColumns({
      ...plan,
      align: GRAM_ALIGN,
      here: (begin, end) => ex.gramColumns(begin, end),
      send: (begin, end) => {
        const rows = ex.gramPiece(begin, end);
        const message = { helper: 'gram-piece', id: 0, rows, width: end - begin, samples: n, begin };
        return /** @type {Promise<import('../../wasm/pcarecon').GramShareSums | null>} */ (toHelper(message, [rows.buffer]));
      },
      add: (_begin, _end, sums) => sums && ex.addGramShare(sums),
      progress: (done) => context.progress(Phase.FITTING, done * (n / 2), total),
    });
    if (gram.sent > 0) ex.addGramShare(await toHelper({ helper: 'gram-take', id: 0 }));
    const weighed = ex.weighSplitGram(k);
    // No weights (images with no direction at all): the product is empty, nothing to share.
    const shared = helper !== null && weighed.kept > 0;
    if (shared) await toHelper({ helper: 'component-weights', id: 0, weighed }, [weighed.weights.buffer, weighed.centre.buffer]);
    const product = await shareColumns({
      ...plan,
      share: shared ? SHARE : 1,
      align: PRODUCT_ALIGN,
      here: (begin, end) => ex.componentRows(begin, end),
      send: (begin, end) => {
        const rows = ex.gramPiece(begin, end);
        const message = { helper: 'component-piece', id: 0, rows, width: end - begin, begin };
        return /** @type {Promise<Float32Array>} */ (toHelper(message, [rows.buffer]));
      },
      add: (begin, end, product) => ex.addComponentShare(begin, end, product),
      progress: (done) => context.progress(Phase.FITTING, dim * (n / 2) + done * k, total),
    });
    const workers = helper ? 2 : 1;
    return { report: ex.finishSplitGram(), workers, helperWaitMs: gram.waitedMs + product.waitedMs };
  } catch (error) {
    if (session.isFatal(error)) throw error;
    if (context.cancelled()) {
      ex.dropSplitGram();
      throw error;
    }
    console.warn('[pcarecon] split Gram fit failed, fitting in one worker:', errorMessage(error));
    return { report: ex.fitForView(k), workers: 1, helperWaitMs: 0 }; // drops the split sums
  } finally {
    if (helper) helper.splitFit({ helper: 'drop-gram', id: 0 }).catch(() => {});
  }
}
