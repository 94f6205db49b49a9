// The built-in dataset (the Fashion-MNIST sample, base64 in the classic script
// dist/default-dataset.js, so that it loads from file://): its bytes for the worker, and its size,
// known before any load.
import { required } from './generated.js';

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

// Uint8Array.fromBase64 where the engine has it (native, several times quicker than the loop).
/**
 * @param {string} base64
 * @returns {Uint8Array<ArrayBuffer>}
 */
function bytesOfBase64(base64) {
  const fromBase64 = /** @type {any} */ (Uint8Array).fromBase64;
  if (typeof fromBase64 === 'function') return fromBase64(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
