// GRID: several samples' originals and reconstructions at the frames' k (0, step, ..., K), from
// the module (Explorer.image and .reconstruction), for the page's grid of samples
// (page/sample-grid.js). Refused beyond GRID_MAX_VALUES values, which a page cannot animate anyway.

/** @typedef {import('./worker.js').Session} Session */

const GRID_MAX_SAMPLES = 8;
const GRID_MAX_VALUES = 16 << 20; // 64 MB of float32

/**
 * @param {Session} session
 * @param {import('../shared/protocol.js').GridRequest} request
 * @returns {Promise<import('../shared/protocol.js').GridResult>}
 */
export async function gridFrames(session, { samples, nComponents, step }) {
  const ex = await session.startModule();
  const info = ex.info();
  const fitted = ex.componentCount();
  const K = Math.max(0, Math.min(Math.floor(Number(nComponents) || 0), fitted));
  const by = Math.max(1, Math.floor(Number(step) || 1));
  const ks = [];
  for (let k = 0; k < K; k += by) ks.push(k);
  ks.push(K);
  const shown = Array.from(samples || []).slice(0, GRID_MAX_SAMPLES);
  for (const i of shown) ex.reconstruction(i, 0); // checks every index first (the core names a bad one)
  const dim = info.height * info.width * info.channels;
  const total = shown.length * (ks.length + 1) * dim;
  if (total > GRID_MAX_VALUES) {
    throw new Error(
      `a grid of ${shown.length} samples × ${ks.length} frames of ${dim} values is too large to animate: show fewer samples or a larger frame step`,
    );
  }
  const originals = new Float32Array(shown.length * dim);
  const reconstructions = new Float32Array(shown.length * ks.length * dim);
  shown.forEach((sample, s) => {
    originals.set(ex.image(sample), s * dim);
    ks.forEach((k, f) => reconstructions.set(ex.reconstruction(sample, k), (f * shown.length + s) * dim));
  });
  return {
    samples: shown,
    ks: Int32Array.from(ks),
    height: info.height,
    width: info.width,
    channels: info.channels,
    originals,
    reconstructions,
  };
}
