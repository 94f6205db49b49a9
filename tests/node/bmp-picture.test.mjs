// web/page/bmp-picture.js: the frame painter's pictures as BMP data: URLs, 8-bit with a palette
// when they have at most 256 colours, else 24-bit; read back here by a BMP reader of their header
// fields and rows (the browsers' decoding is checked pixel for pixel against plotly's drawing in
// tests/e2e/playback.test.js and tests/engines/checks.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bmpDataUrl } from '../../web/page/bmp-picture.js';

// A BMP data: URL → {bits, colours, pixels: H rows of [r, g, b]}.
function readBmp(url) {
  const [prefix, data] = url.split(',');
  assert.equal(prefix, 'data:image/bmp;base64');
  const bytes = Buffer.from(data, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(bytes.toString('latin1', 0, 2), 'BM');
  assert.equal(view.getUint32(2, true), bytes.length, 'the file size field');
  const offset = view.getUint32(10, true);
  assert.equal(view.getUint32(14, true), 40, 'BITMAPINFOHEADER');
  const width = view.getInt32(18, true);
  const height = -view.getInt32(22, true); // top-down
  const bits = view.getUint16(28, true);
  const colours = view.getUint32(46, true);
  assert.equal(offset, 54 + 4 * colours, 'the pixels right after the palette');
  const stride = ((width * bits) / 8 + 3) & ~3;
  assert.equal(view.getUint32(34, true), stride * height, 'the image size field');
  assert.equal(bytes.length, offset + stride * height);
  const pixels = [];
  for (let r = 0; r < height; r++) {
    const row = [];
    for (let c = 0; c < width; c++) {
      const at = bits === 8 ? 54 + 4 * bytes[offset + r * stride + c] : offset + r * stride + 3 * c;
      if (bits === 8) assert.ok(bytes[offset + r * stride + c] < colours, 'an index inside the palette');
      row.push([bytes[at + 2], bytes[at + 1], bytes[at]]);
    }
    pixels.push(row);
  }
  return { bits, colours, pixels };
}

// A colour function as the painter gives it: each value's colour written blue, green, red.
const colourOf = (value) => [value % 256, (value * 7) % 256, Math.floor(value / 256) % 256];
function fillRow(row, out, at) {
  for (let c = 0; c < row.length; c++, at += 3) {
    const [r, g, b] = colourOf(row[c]);
    out[at] = b;
    out[at + 1] = g;
    out[at + 2] = r;
  }
}
const rowsOf = (height, width, valueAt) =>
  Array.from({ length: height }, (_, r) => Float32Array.from({ length: width }, (_, c) => valueAt(r, c)));
const expected = (rows) => rows.map((row) => Array.from(row, colourOf));

test('256 colours or fewer: 8 bits a pixel and a palette, every pixel its colour', () => {
  for (const [height, width] of [
    [28, 28],
    [5, 3],
    [7, 1],
    [16, 16],
  ]) {
    const rows = rowsOf(height, width, (r, c) => (r * width + c) % 256);
    const bmp = readBmp(bmpDataUrl(rows, fillRow));
    assert.equal(bmp.bits, 8, `${height}×${width}`);
    assert.deepEqual(bmp.pixels, expected(rows), `${height}×${width}: the pixels`);
  }
  const one = readBmp(
    bmpDataUrl(
      rowsOf(3, 5, () => 42),
      fillRow,
    ),
  );
  assert.equal(one.bits, 8, 'one colour');
  assert.deepEqual(one.pixels, expected(rowsOf(3, 5, () => 42)));
});

test('more than 256 colours: 24 bits a pixel, every pixel its colour', () => {
  for (const [height, width] of [
    [17, 17],
    [3, 300],
    [257, 1],
  ]) {
    const rows = rowsOf(height, width, (r, c) => r * width + c);
    const bmp = readBmp(bmpDataUrl(rows, fillRow));
    assert.equal(bmp.bits, 24, `${height}×${width}: ${height * width} colours`);
    assert.equal(bmp.colours, 0);
    assert.deepEqual(bmp.pixels, expected(rows), `${height}×${width}: the pixels`);
  }
  // the 257th colour comes last: the palette was full until then
  const rows = rowsOf(1, 257, (_, c) => c);
  assert.equal(readBmp(bmpDataUrl(rows, fillRow)).bits, 24);
  assert.equal(
    readBmp(
      bmpDataUrl(
        rowsOf(1, 257, (_, c) => Math.min(c, 255)),
        fillRow,
      ),
    ).bits,
    8,
    'exactly 256 colours',
  );
});
