// The built-in dataset (the Fashion-MNIST sample, base64 in the classic script
// dist/default-dataset.js, so that it loads from file://): its bytes for the worker, and its size,
// known before any load.
import { required } from './generated.js';
import { bytesOfBase64 } from './base64.js';

/**
 * The dataset to load: sent to the worker as its bytes ({bytes}: no Blob probe, no reads through
 * the page's thread); its Blob is what a restore after a worker restart reads.
 * @returns {{source: Blob, bytes: Uint8Array<ArrayBuffer>, name: string, builtIn: true}}
 */
export function defaultSource() {
  const dataset = required('PCA_DEFAULT_DATASET');
  const bytes = bytesOfBase64(dataset.base64);
  return { source: new Blob([bytes]), bytes, name: dataset.name, builtIn: true };
}

/** N images of D values each. @returns {{samples: number, values: number}} */
export function defaultShape() {
  const { samples, values } = required('PCA_DEFAULT_DATASET');
  return { samples, values };
}
