// Builds .npy bytes (format 1.0) in the tests, for headers NumPy would not write or files too
// large to write: the descr, shape and Fortran flag as given, then the raw data bytes.
'use strict';

function npy(descr, shape, data = new Uint8Array(0), fortran = false) {
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  while ((10 + dict.length + 1) % 64 !== 0) dict += ' ';
  dict += '\n';
  const out = new Uint8Array(10 + dict.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
  out.set(Buffer.from(dict, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + dict.length);
  return out;
}

module.exports = { npy };
