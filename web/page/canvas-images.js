// Small images drawn on canvases: sample thumbnails (gray, on the dataset's value range) and
// eigen-images (the mean in gray, components in a diverging blue-white-red map centred on 0).
// RGB stacks (channels = 3, values interleaved r, g, b per pixel) are drawn in colour: samples and
// the mean on the value range, components with each channel mapped symmetric around mid-grey.
// RdBu-like diverging ramp: -1 blue, 0 near-white, +1 red.
/** @type {Array<[number, number[]]>} */
const DIVERGING = [
  [-1.0, [33, 102, 172]],
  [-0.5, [103, 169, 207]],
  [0.0, [247, 247, 247]],
  [0.5, [239, 138, 98]],
  [1.0, [178, 24, 43]],
];

function diverging(t) {
  const x = Math.max(-1, Math.min(1, t));
  for (let i = 1; i < DIVERGING.length; i++) {
    const [x1, c1] = DIVERGING[i];
    if (x <= x1) {
      const [x0, c0] = DIVERGING[i - 1];
      const f = (x - x0) / (x1 - x0);
      return [0, 1, 2].map((j) => Math.round(c0[j] + f * (c1[j] - c0[j])));
    }
  }
  return DIVERGING[DIVERGING.length - 1][1];
}

function makeCanvas(width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

// Draws values (row-major, height*width, from offset) in gray between lo and hi.
function drawGray(canvas, values, offset, width, height, lo, hi) {
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let p = 0; p < width * height; p++) {
    const g = Math.max(0, Math.min(255, Math.round((values[offset + p] - lo) * scale)));
    image.data[4 * p] = g;
    image.data[4 * p + 1] = g;
    image.data[4 * p + 2] = g;
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// Draws values in the diverging map, symmetric around 0 (the largest |value| is full colour).
function drawDiverging(canvas, values, offset, width, height) {
  let extent = 0;
  for (let p = 0; p < width * height; p++) extent = Math.max(extent, Math.abs(values[offset + p]));
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    const [r, g, b] = diverging(extent > 0 ? values[offset + p] / extent : 0);
    image.data[4 * p] = r;
    image.data[4 * p + 1] = g;
    image.data[4 * p + 2] = b;
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// Draws an RGB image (height*width*3 values from offset, r, g, b per pixel) with every
// channel mapped linearly from [lo, hi] to 0..255 (the same range for all three, so colours
// keep their balance).
function drawRgb(canvas, values, offset, width, height, lo, hi) {
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round((values[offset + 3 * p + c] - lo) * scale);
      image.data[4 * p + c] = Math.max(0, Math.min(255, v));
    }
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// Draws a signed RGB image (a component) with every channel symmetric around mid-grey: 0 is
// 128, the largest |value| over all channels is 0 or 255.
function drawRgbSigned(canvas, values, offset, width, height) {
  const size = width * height * 3;
  let extent = 0;
  for (let i = 0; i < size; i++) extent = Math.max(extent, Math.abs(values[offset + i]));
  drawRgb(canvas, values, offset, width, height, -extent, extent);
}

// One entry point for both kinds: a sample or the mean (on [lo, hi]) ...
function drawValues(canvas, values, offset, width, height, channels, lo, hi) {
  if (channels === 3) drawRgb(canvas, values, offset, width, height, lo, hi);
  else drawGray(canvas, values, offset, width, height, lo, hi);
}

// ... and a component (symmetric around 0).
function drawSigned(canvas, values, offset, width, height, channels) {
  if (channels === 3) drawRgbSigned(canvas, values, offset, width, height);
  else drawDiverging(canvas, values, offset, width, height);
}

function minMax(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  return [lo, hi];
}

export { makeCanvas, drawGray, drawDiverging, drawRgb, drawRgbSigned, drawValues, drawSigned, minMax };
