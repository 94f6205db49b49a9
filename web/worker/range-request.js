// RANGE: one sample rebuilt from components first..last only (the module's rangeReconstruction,
// wasm/dataset_stats.h), as float32 pixels for the page's range view.

/** @typedef {import('./worker.js').Session} Session */

/**
 * @param {Session} session
 * @param {import('../shared/protocol.js').RangeRequest} request
 * @returns {Promise<import('../shared/protocol.js').RangeResult>}
 */
export async function rangeImage(session, { sampleIndex, first, last }) {
  const ex = await session.startModule();
  const info = ex.info();
  // Components past the fitted K, after an exact fit: from its eigen-decomposition (else the core
  // names the range it does not have).
  if (last > ex.componentCount()) ex.extendFit(last);
  const values = session.wasmModule().rangeReconstruction(ex, sampleIndex, first, last);
  return {
    sampleIndex,
    first,
    last,
    height: info.height,
    width: info.width,
    channels: info.channels,
    pixels: Float32Array.from(values),
  };
}
