// The fit's WebAssembly code made ready before a visitor's first file. A browser first runs a
// module's functions as compiled quickly (V8's Liftoff) and optimises those that have run a while,
// for their next call: a first drop into a fresh page fitted Fashion-MNIST's 60000×784 about 0.5 s
// slower than every later drop (README, "8-bit files read as their bytes"). So, once the page is
// idle after its first figure (WARM_UP), each worker runs a small fit of its own on made-up 8-bit
// images: this worker the whole path of a file (read, covariance, eigensolvers), the helper its
// part of a split fit (the covariance of the rows it is sent). A few tens of milliseconds of each
// worker, in a scratch Explorer / Accumulator: the loaded stack and its model are not touched.

const SAMPLES = 600;
const SIDE = 16; // 16×16 images: D = 256, a 256×256 eigenproblem

/** Made-up uint8 images, the same every time (a pattern, not noise: the fit has structure to find). */
function warmUpPixels() {
  const pixels = new Uint8Array(SAMPLES * SIDE * SIDE);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  return pixels;
}

/** The images as a .npy file (version 1.0, C order). */
function warmUpNpy() {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${SAMPLES}, ${SIDE}, ${SIDE}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // pads the header to 64 bytes
  const pixels = warmUpPixels();
  const bytes = new Uint8Array(10 + header.length + pixels.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]); // \x93NUMPY 1.0
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  bytes.set(pixels, 10 + header.length);
  return bytes;
}

/**
 * This worker's warm-up (WARM_UP), and the helper's if there is one: {ms} it took here.
 * @param {import('./worker.js').Session} session
 * @returns {Promise<{ms: number}>}
 */
export async function warmUp(session) {
  const started = performance.now();
  await session.startModule();
  session.startHelper({ kernels: true });
  const scratch = new (session.wasmModule().Explorer)();
  try {
    scratch.beginFile(0, 0);
    scratch.feed(warmUpNpy());
    scratch.finishFile();
    // The paths of a real exact fit: K pairs by Lanczos (also the Gram path's), then every
    // eigenvalue and more vectors from the reduction (SPECTRUM, a larger K).
    scratch.fit(10);
    scratch.makeWholeSpectrum();
    scratch.extendFit(20);
  } finally {
    scratch.delete();
  }
  return { ms: performance.now() - started };
}

/**
 * The helper's warm-up: the covariance of made-up rows, as its part of a split fit accumulates.
 * @param {import('../../wasm/pcarecon').PcaReconModule} Module
 */
export function warmUpAccumulator(Module) {
  const accumulator = new Module.Accumulator();
  try {
    accumulator.add(warmUpPixels(), SIDE * SIDE);
  } finally {
    accumulator.delete();
  }
}
