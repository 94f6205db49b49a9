// What scripts/build-web.mjs generates as classic scripts beside the page bundle, each defining one
// property of `self` (a classic script is the only thing a file:// page may load): the first
// visit's replies (first-visit.js, loaded by index.html); the worker's source (worker-bundle.js,
// started from a Blob URL) and the default dataset (default-dataset.js), loaded by
// loadWorkerScripts once the first figure is painted; loaded on demand by export.js, the export
// assets (export-assets.js) and the GIF encoder (vendor/gifenc.js, from page/gifenc-entry.js); and
// plotly.js (vendor/plotly-cartesian.min.js, its own minified build, loaded by index.html). This
// module is the one place that reads them.

/**
 * @typedef {{name: string, description: string, samples: number, values: number, base64: string, basis: {fit: import('../shared/protocol.js').PrecomputedFit['fit'], arrays: Record<string, string>}}} DefaultDataset
 * @typedef {{template: string, plotly: string}} ExportAssets
 * @typedef {typeof import('gifenc')} Gifenc
 * @typedef {{PCA_WORKER_SOURCE?: string, PCA_DEFAULT_DATASET?: DefaultDataset, PCA_FIRST_VISIT?: object, PCA_EXPORT_ASSETS?: ExportAssets, gifenc?: Gifenc, Plotly?: any, webmMuxer?: any}} Generated
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

// A classic script that defines self[name], loaded once, on demand, with a <script> tag (works
// from file:// and under the CSP); a rejected load may be retried.
/** @type {Map<string, Promise<any>>} */
const scriptPromises = new Map();
/**
 * @param {string} src
 * @param {keyof Generated} name
 * @param {string} what what it holds, for the error message
 * @returns {Promise<any>} self[name]
 */
export function loadGenerated(src, name, what) {
  if (generated[name]) return Promise.resolve(generated[name]);
  if (!scriptPromises.has(src)) {
    const promise = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => {
        if (generated[name]) resolve(generated[name]);
        else reject(new Error(`${src} did not define ${what}`));
      };
      script.onerror = () => {
        script.remove();
        scriptPromises.delete(src);
        reject(new Error(`could not load ${src}, which holds ${what}`));
      };
      document.head.append(script);
    });
    scriptPromises.set(src, promise);
  }
  return /** @type {Promise<any>} */ (scriptPromises.get(src));
}

/**
 * The worker's source and the default dataset (3 MB of string literals), loaded side by side
 * once the first figure is painted: a first visit draws without them (first-visit.js), so their
 * parsing does not hold plotly.js back.
 * @returns {Promise<void>}
 */
export function loadWorkerScripts() {
  return Promise.all([
    loadGenerated('worker-bundle.js', 'PCA_WORKER_SOURCE', 'the worker'),
    loadGenerated('default-dataset.js', 'PCA_DEFAULT_DATASET', 'the built-in sample'),
  ]).then(() => {});
}

// Deferred scripts run while document.readyState is already 'interactive', before
// DOMContentLoaded: whether that has fired is known only by listening from the start.
const contentLoaded = new Promise((resolve) => {
  if (typeof document === 'undefined') return; // node (the tests import the page's modules)
  document.addEventListener('DOMContentLoaded', () => resolve(undefined), { once: true });
});

/**
 * Resolves once plotly.js has run. index.html loads it deferred, after first-visit.js and app.js
 * (a visit with a link's view starts the worker while plotly.js parses), as the last of the
 * page's scripts: DOMContentLoaded follows it.
 * @returns {Promise<void>}
 */
export function plotlyLoaded() {
  if (generated.Plotly !== undefined) return Promise.resolve();
  return contentLoaded.then(() => {});
}
