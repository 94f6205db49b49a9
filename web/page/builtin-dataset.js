// The built-in dataset (the Fashion-MNIST sample, base64 in the classic script
// dist/default-dataset.js, so that it loads from file://): its bytes for the worker, its size,
// known before any load, and its PCA, computed at build time (scripts/default-basis.mjs) so that
// a first visit fits nothing.
import { required } from './generated.js';
import { bytesOfBase64 } from './base64.js';

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
