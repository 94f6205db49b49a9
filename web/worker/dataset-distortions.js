// DISTORTIONS: every loaded image's distortion ‖x − x̂ₖ‖² at the figure's k, by the module
// (rowDistortions over row blocks, so that progress is shown and Cancel is heard between blocks),
// the rows split with the helper worker like a fit when the stack is large (it gets a copy of its
// rows at the stack's precision and the model's first k components: heldRows, modelHead /
// rowDistortionsOf). Answers the worst
// images (their indices, distortions and pixels) and the mean distortion over all images for
// every j = 0..k.
import { Phase, ErrorCode, cancelledError, errorMessage } from '../shared/protocol.js';
import { untilCancelled } from './streamed-load.js';
import { yieldToMessages } from './yield-to-messages.js';
import { heldAsBytes } from './held-as-bytes.js';

/** @typedef {import('./worker.js').Session} Session */
/** @typedef {import('./worker.js').RequestContext} RequestContext */

const SPLIT_MIN_WORK = 1 << 24; // N·D·k below this, one worker is as fast as two
// The helper's copy of its rows (at the stack's precision) and of the model's first k components
// (doubles) stays in its heap. Past this much, one worker measures: 3000 crops of 256×256 (98 +
// 26 MB) took the renderer from +475 MB at the figure to +735–763 MB, over the 594 MB that the
// issue allows such a file while it loads and fits.
const SPLIT_COPY_MAX = 64 << 20;
const BLOCK_WORK = 1 << 22; // N·D·k of one block: a few ms, so Cancel and progress stay lively
const WORST_MAX = 16;

/**
 * @param {Session} session
 * @param {import('../shared/protocol.js').DistortionsRequest} request
 * @param {RequestContext} context
 * @returns {Promise<import('../shared/protocol.js').DistortionsResult>}
 */
export async function distortions(session, { k, worst }, context) {
  const ex = await session.startModule();
  const Module = session.wasmModule();
  // A change of view may have asked it to stop already: before the copies for the helper below
  // (at 512×512 panels, k = 50, the model's first k components alone are 105 MB).
  await yieldToMessages(); // a CANCEL is heard only then
  if (context.cancelled()) throw cancelledError();
  const info = ex.info();
  const n = info.samples; // the images held (of a streamed file: those kept for display)
  const dim = info.height * info.width * info.channels;
  const kk = Math.max(0, Math.min(Math.floor(Number(k) || 0), ex.componentCount()));
  const work = Math.max(1, dim * Math.max(1, kk));
  const copyBytes = Math.floor(n / 2) * dim * (heldAsBytes(info) ? 1 : 4) + kk * dim * 8;
  const helper = n * work >= SPLIT_MIN_WORK && n >= 2 && copyBytes <= SPLIT_COPY_MAX ? session.startHelper() : null;
  let split = n;
  /** @type {Promise<import('../../wasm/pcarecon').RowDistortions> | null} */
  let helperPart = null;
  if (helper) {
    split = Math.ceil(n / 2);
    helperPart = helper.distortions(ex.heldRows(split, n - split), Module.modelHead(ex, kk));
    helperPart.catch(() => {}); // awaited below
  }
  const atK = new Float64Array(n);
  const sums = new Float64Array(kk + 1);
  const add = (/** @type {import('../../wasm/pcarecon').RowDistortions} */ part, /** @type {number} */ at) => {
    atK.set(part.atK, at);
    for (let j = 0; j <= kk; j++) sums[j] += part.sums[j];
  };
  const measure = async (/** @type {number} */ from, /** @type {number} */ to) => {
    const block = Math.max(1, Math.floor(BLOCK_WORK / work));
    for (let begin = from; begin < to; begin += block) {
      await yieldToMessages(); // a CANCEL is heard only then
      if (context.cancelled()) throw cancelledError();
      const end = Math.min(to, begin + block);
      add(Module.rowDistortions(ex, begin, end, kk), begin);
      context.progress(Phase.MEASURING, end - from, to - from);
    }
  };
  context.progress(Phase.MEASURING, 0, split);
  await measure(0, split);
  let workers = 1;
  if (helperPart) {
    try {
      // (the helper's part can take 0.1-0.3 s at 512×512 panels, which a change of view would wait
      // for: its answer is dropped)
      add(await untilCancelled(helperPart, context), split);
      workers = 2;
    } catch (error) {
      if (session.isFatal(error) || /** @type {any} */ (error).code === ErrorCode.CANCELLED) throw error;
      console.warn('[pcarecon] the helper could not measure its rows, measuring them here:', errorMessage(error));
      await measure(split, n);
    }
  }
  return { k: kk, samples: n, workers, meanDistortion: sums.map((s) => s / Math.max(1, n)), ...worstOf(ex, atK, worst, info) };
}

/**
 * The `count` rows of largest distortion, worst first (ties: the lower index first), with pixels.
 * @param {import('../../wasm/pcarecon').Explorer} ex
 * @param {Float64Array} atK
 * @param {number} count
 * @param {{height: number, width: number, channels: number}} info
 */
function worstOf(ex, atK, count, { height, width, channels }) {
  const shown = Math.max(0, Math.min(Math.floor(Number(count) || 0), WORST_MAX, atK.length));
  const order = Array.from(atK.keys()).sort((a, b) => atK[b] - atK[a] || a - b);
  const indices = Int32Array.from(order.slice(0, shown));
  const size = height * width * channels;
  const pixels = new Float32Array(shown * size);
  indices.forEach((index, i) => pixels.set(ex.image(index), i * size));
  return { worst: indices, worstDistortion: Float64Array.from(indices, (i) => atK[i]), pixels, height, width, channels };
}
