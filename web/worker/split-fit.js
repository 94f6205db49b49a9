// The top-K solver split over the two workers (wasm/split_topk.h): this worker keeps the first
// rows of the stack, the helper gets a copy of the rest once (transferred), and every pass of the
// solver runs on both halves at once — the helper's partial sums (moments, then Xᵀ(X·Q) for the
// basis Q this worker sends) come back and are merged here before the solver's next step.
import { Phase, errorMessage } from '../shared/protocol.js';

/** @typedef {import('./worker.js').Session} Session */
/** @typedef {import('./worker.js').RequestContext} RequestContext */
/** @typedef {import('../../wasm/pcarecon').Explorer} Explorer */

const SHARE = 0.5; // of the rows, kept here (the helper's half runs while this one does)
const MOST_PASSES = 17; // the solver's Gram passes at most, and the moments pass: for progress

/**
 * K components by the top-K solver, on both workers when the helper is there (else in this one).
 * @param {Session} session
 * @param {Explorer} ex
 * @param {number} k
 * @param {RequestContext} context
 * @returns {Promise<{report: import('../../wasm/pcarecon').FitReport, workers: number, helperWaitMs: number}>}
 */
export async function fitTopK(session, ex, k, context) {
  const info = ex.info();
  const n = info.samples;
  const dim = info.height * info.width * info.channels;
  const helper = n >= 4 ? session.startHelper() : null;
  if (!helper) return { report: ex.fitForView(k), workers: 1, helperWaitMs: 0 };
  const split = Math.ceil(n * SHARE);
  let helperWaitMs = 0;
  /** @template T @param {Promise<T>} promise @returns {Promise<T>} */
  const waitFor = async (promise) => {
    const started = performance.now();
    const value = await promise;
    helperWaitMs += performance.now() - started;
    return value;
  };
  try {
    // At the stack's own precision (a uint8 file's bytes: the helper's kernels widen a block at a time)
    const rows = ex.heldRows(split, n - split);
    const held = helper.splitFit({ helper: 'share', id: 0, rows, dim, firstSample: split }, [rows.buffer]);
    const shift = ex.beginSplitTopK(k, split);
    const restMoments = helper.splitFit({ helper: 'moments', id: 0, shift });
    ex.topkOwnMoments();
    await waitFor(held);
    ex.topkMergeMoments(await waitFor(restMoments));
    // One D×l buffer goes back and forth: the basis out, the helper's product (written over it) back,
    // the next basis into it.
    /** @type {Float64Array | null} */
    let spare = null;
    for (let pass = 1; !ex.topkDone(); pass++) {
      context.progress(Phase.FITTING, pass, MOST_PASSES);
      const basis = ex.topkBasis(spare);
      const rest = helper.splitFit({ helper: 'gram', id: 0, pass: basis }, [basis.mean.buffer, basis.basis.buffer]);
      ex.topkOwnPass();
      spare = await waitFor(rest);
      ex.topkMergePass(spare, n - split);
    }
    return { report: ex.finishSplitTopK(), workers: 2, helperWaitMs };
  } catch (error) {
    if (session.isFatal(error)) throw error;
    console.warn('[pcarecon] split top-K fit failed, fitting in one worker:', errorMessage(error));
    return { report: ex.fitForView(k), workers: 1, helperWaitMs: 0 };
  } finally {
    helper.splitFit({ helper: 'drop-share', id: 0 }).catch(() => {});
  }
}
