// What scripts/build-web.mjs generates as classic scripts beside the page bundle, each defining one
// property of `self` (a classic script is the only thing a file:// page may load): the worker's
// source (worker-bundle.js, started from a Blob URL), the default dataset (default-dataset.js),
// and, loaded on demand by export.js, the export assets (export-assets.js) and the GIF encoder
// (vendor/gifenc.js, from page/gifenc-entry.js); and plotly.js (vendor/plotly-cartesian.min.js,
// its own minified build, loaded by index.html). This module is the one place that reads them.

/**
 * @typedef {{name: string, description: string, samples: number, values: number, base64: string, basis: {fit: import('../shared/protocol.js').PrecomputedFit['fit'], arrays: Record<string, string>}}} DefaultDataset
 * @typedef {{template: string, plotly: string}} ExportAssets
 * @typedef {typeof import('gifenc')} Gifenc
 * @typedef {{PCA_WORKER_SOURCE?: string, PCA_DEFAULT_DATASET?: DefaultDataset, PCA_EXPORT_ASSETS?: ExportAssets, gifenc?: Gifenc, Plotly?: any, webmMuxer?: any}} Generated
 */

/** self, as the generated scripts fill it. */
export const generated = /** @type {Generated} */ (/** @type {unknown} */ (globalThis));

/**
 * @template {keyof Generated} K
 * @param {K} name
 * @returns {NonNullable<Generated[K]>}
 */
export function required(name) {
  const value = generated[name];
  if (value === undefined) throw new Error(`${name} is missing: the page was not built (scripts/build web)`);
  return /** @type {NonNullable<Generated[K]>} */ (value);
}

/**
 * Resolves once plotly.js has run. index.html loads it after app.js (the workers start on the
 * second core while it parses), as the last of the page's classic scripts: DOMContentLoaded
 * follows it.
 * @returns {Promise<void>}
 */
export function plotlyLoaded() {
  if (generated.Plotly !== undefined || document.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }));
}
