// The frame painter (web/page/frame-painter.js) keeps the pictures of a new figure's base traces
// that the figure before it showed already (a change of K: the same sample at k = 0), and makes
// the others anew.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FramePainter, basePictures } from '../../web/page/frame-painter.js';

const GRAY = [
  [0, 'rgb(0, 0, 0)'],
  [1, 'rgb(255, 255, 255)'],
];

/** A picture of h×w values, as the page decodes them: rows of Float32Array. */
function rows(h, w, value) {
  return Array.from({ length: h }, (_, r) => Float32Array.from({ length: w }, (_, c) => value(r, c)));
}

function heatmap(axis, z, zmin, zmax) {
  return { type: 'heatmap', xaxis: `x${axis}`, yaxis: `y${axis}`, z, zmin, zmax, zauto: false, colorscale: GRAY };
}

// A frame's trace: its base trace's colour scale, not repeated.
function frameHeatmap(axis, z, zmin, zmax) {
  return { type: 'heatmap', xaxis: `x${axis}`, yaxis: `y${axis}`, z, zmin, zmax };
}

/** A figure as the core makes it: original, reconstruction, residual, frames of the last two. */
function figure({ original, residualMax, k }) {
  const recon = rows(4, 5, () => 3);
  const residual = rows(4, 5, (r, c) => original(r, c) - 3);
  const data = [heatmap('', rows(4, 5, original), 0, 9), heatmap(2, recon, 0, 9), heatmap(3, residual, -residualMax, residualMax)];
  const frames = Array.from({ length: k + 1 }, (_, name) => ({
    name: String(name),
    traces: [1, 2],
    data: [frameHeatmap(2, recon, 0, 9), frameHeatmap(3, residual, -residualMax, residualMax)],
    layout: { title: { text: `k = ${name}` } },
  }));
  return { data, frames, layout: {} };
}

test("a new figure's base pictures that the figure before showed are kept, the others made anew", () => {
  const painter = new FramePainter({});
  const before = figure({ original: (r, c) => r + c, residualMax: 6, k: 5 });
  assert.equal(painter.accepts(before), true);
  const shown = [0, 1, 2].map((index) => painter.picture('0', index, before.data[index]));
  assert.equal(painter.pictures.size, 3);

  // K changes (fewer frames), same sample and ranges: every base picture is kept
  painter.accepts(figure({ original: (r, c) => r + c, residualMax: 6, k: 3 }));
  assert.deepEqual(
    [0, 1, 2].map((index) => painter.pictures.get(`0/${index}`)),
    shown,
  );

  // the residual's range moves: its picture is not kept; one value of the original moves: nor is it
  painter.accepts(figure({ original: (r, c) => (r === 3 && c === 4 ? 0 : r + c), residualMax: 7, k: 3 }));
  assert.deepEqual(
    [0, 1, 2].map((index) => painter.pictures.has(`0/${index}`)),
    [false, true, false],
  );
  assert.equal(painter.pictures.get('0/1'), shown[1]);
});

test('pictures made ahead for the new figure come first', () => {
  const painter = new FramePainter({});
  const before = figure({ original: (r, c) => r * c, residualMax: 6, k: 2 });
  assert.equal(painter.accepts(before), true);
  painter.picture('0', 0, before.data[0]);
  const next = Object.assign(figure({ original: (r, c) => r * c, residualMax: 6, k: 2 }), {
    picturesAhead: new Map([['0/0', 'data:image/bmp;base64,AHEAD']]),
  });
  painter.accepts(next);
  assert.equal(painter.pictures.get('0/0'), 'data:image/bmp;base64,AHEAD');
});

test("a figure's base pictures made ahead, one per task: as the painter makes them", async () => {
  const next = figure({ original: (r, c) => r - c, residualMax: 5, k: 2 });
  const ahead = basePictures(next);
  assert.equal(ahead.size, 0, 'none made in the task that asked');
  // one per task: wait for the tasks, however late a loaded machine runs them
  for (let tasks = 0; ahead.size < 3 && tasks < 1000; tasks++) await new Promise((resolve) => setTimeout(resolve));
  const painter = new FramePainter({});
  assert.equal(painter.accepts(figure({ original: (r, c) => r - c, residualMax: 5, k: 2 })), true);
  assert.deepEqual([...ahead.keys()].sort(), ['0/0', '0/1', '0/2']);
  for (const index of [0, 1, 2]) assert.equal(ahead.get(`0/${index}`), painter.picture('0', index, next.data[index]));
});
