// The built-in dataset (the Fashion-MNIST sample, base64 in the classic script
// dist/default-dataset.js, so that it loads from file://): its bytes for the worker, its size,
// known before any load, and its PCA, computed at build time (scripts/default-basis.mjs) so that
// a first visit fits nothing.
import { required, loadWorkerScripts } from './generated.js';
import { bytesOfBase64 } from './base64.js';
import { Request } from '../shared/protocol.js';
import { DEFAULTS } from './state.js';

/**
 * The dataset to load: sent to the worker as its bytes ({bytes}: no Blob probe, no reads through
 * the page's thread) with its model (LOAD's `fitted`); its Blob is what a restore after a worker
 * restart reads.
 * @returns {{source: Blob, bytes: Uint8Array<ArrayBuffer>, fitted: import('../shared/protocol.js').PrecomputedFit, name: string, builtIn: true}}
 */
export function defaultSource() {
  const dataset = required('PCA_DEFAULT_DATASET');
  const bytes = bytesOfBase64(dataset.base64);
  const { fit, arrays } = dataset.basis;
  const fitted = { fit, arrays: Object.fromEntries(Object.entries(arrays).map(([name, base64]) => [name, bytesOfBase64(base64)])) };
  return { source: new Blob([bytes]), bytes, fitted, name: dataset.name, builtIn: true };
}

/** N images of D values each. @returns {{samples: number, values: number}} */
export function defaultShape() {
  const { samples, values } = required('PCA_DEFAULT_DATASET');
  return { samples, values };
}

/**
 * The requests after LOAD of a visit with a link's view (no figure made at build time for it),
 * sent at once (the worker serves them in order): the figure is built while plotly.js keeps the
 * page's thread busy parsing (index.html), with no round trip through it. Its parameters are
 * those the hash asks for, clamped to the sample's known size and to the K asked of the fit;
 * app.js asks again if the fit's answers clamp them otherwise. Only with nothing on screen: a
 * cancelled LOAD leaves the worker's stack as it was, which these requests must not refit.
 * @param {(type: any, payload: any, label: string) => {id: number, promise: Promise<any>}} send
 * @param {string} name
 * @param {(expected: {samples: number}, components: number) => any} paramsFor app.js initialParams
 */
export function sendAhead(send, name, paramsFor) {
  const { samples, values } = defaultShape();
  const nComponents = paramsFor({ samples }, Infinity).nComponents;
  const params = paramsFor({ samples }, Math.min(nComponents, samples, values)); // a fit has at most min(N, D)
  /** @type {(request: {id: number, promise: Promise<any>}) => {id: number, promise: Promise<any>}} */
  const quiet = (request) => (request.promise.catch(() => {}), request); // answered through follow, or dropped
  return {
    fit: quiet(send(Request.FIT, { nComponents }, name)),
    summary: quiet(send(Request.SUMMARY, { gallery: DEFAULTS.gallery }, name)),
    params,
    figure: quiet(send(Request.FIGURE, Object.assign({ parts: true }, params), name)),
  };
}

/**
 * After a first visit's figure, drawn from the replies made at build time (first-visit.js): loads
 * the worker's scripts and gives the worker the sample and its model as any load of it does (LOAD
 * with `fitted`, FIT of the K on screen), so that it holds what is on screen. The bytes and model
 * go onto `dataset` (the state's, which the views know it by): what a restore after a worker
 * restart loads again.
 * @param {any} dataset the dataset on screen
 * @param {(type: string, payload: any) => Promise<any>} call a worker request, followed by the page
 * @param {{aboveBytes: number, windowBytes: number, split: boolean}} stream LOAD's stream settings
 */
export async function attachBuiltIn(dataset, call, stream) {
  await loadWorkerScripts();
  const { source, bytes, fitted } = defaultSource();
  Object.assign(dataset, { source, bytes, fitted });
  await call(Request.LOAD, { source: { bytes }, chunkBytes: DEFAULTS.chunkBytes, stream: Object.assign({}, stream), fitted });
  await call(Request.FIT, { nComponents: dataset.nComponents });
}
