// The built-in sample's PCA, computed at build time (scripts/build-web.mjs) by the same wasm
// module and solver choice the page would use (Explorer.fitForView: the top-K solver for the
// page's K), so that a first visit fits nothing: the page loads the sample with these arrays
// through the bring-your-own-basis path (wasm/basis.h) and draws at once (README, "A first visit").
// The arrays are .npy bytes (float32, as a basis file's), named as basis.h reads them.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// A little-endian float32 .npy (version 1.0) of `values` with `shape`.
function npyFloat32(values, shape) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + header.length + 1; // magic, version, length, header, '\n'
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY 1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new DataView(out.buffer, 10 + header.length);
  values.forEach((v, i) => body.setFloat32(i * 4, v, true));
  return out;
}

/**
 * @param {string} modulePath build/wasm/pcarecon.js
 * @param {Uint8Array} npy the sample's .npy bytes
 * @param {number} nComponents the page's default K
 * @returns {Promise<{arrays: Record<string, Uint8Array>, fit: {nComponents: number, solver: string, passes: number}}>}
 */
export async function defaultBasis(modulePath, npy, nComponents) {
  const Module = await require(modulePath)();
  const ex = new Module.Explorer();
  try {
    ex.beginFile(0, 0);
    ex.feed(npy);
    const info = ex.finishFile();
    const report = ex.fitForView(nComponents);
    ex.makeWholeSpectrum(); // an exact fit may have found its K pairs only: the chart wants them all
    const model = ex.model();
    const k = model.nComponents;
    const d = info.height * info.width * info.channels;
    return {
      arrays: {
        components: npyFloat32(model.components, [k, d]),
        mean: npyFloat32(model.mean, [d]),
        // every eigenvalue when the fit found them (exact): the variance chart shows them all
        explained_variance:
          model.spectrum.length > k ? npyFloat32(model.spectrum, [model.spectrum.length]) : npyFloat32(model.explainedVariance, [k]),
        explained_variance_ratio: npyFloat32(model.explainedVarianceRatio, [k]),
      },
      fit: { nComponents: k, solver: report.solver, passes: report.passes },
    };
  } finally {
    ex.delete();
  }
}
