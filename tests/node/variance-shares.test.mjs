// web/page/variance-shares.js sharesText: the line under the variance chart naming how many
// components reach 90, 95 and 99 % of the variance; the shares not reached are said together.
// addDistortionMarks: the marks' labels on the distortion plot, apart and inside it.
// varianceMarkPlaces: the variance chart's range reaches every mark, and no label runs past its
// right edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharesText, addDistortionMarks, varianceMarkPlaces } from '../../web/page/variance-shares.js';

const shares = (...ks) => [0.9, 0.95, 0.99].map((share, i) => ({ share, k: ks[i] }));

test('every share reached: each with its k', () => {
  assert.equal(
    sharesText(shares(4, 5, 10), 50),
    '90 % of the variance: k = 4 · 95 % of the variance: k = 5 · 99 % of the variance: k = 10',
  );
});

test('the shares not reached are said once, together, after those reached', () => {
  assert.equal(
    sharesText(shares(4, 5, null), 50),
    '90 % of the variance: k = 4 · 95 % of the variance: k = 5 · 99 % needs more than 50 components',
  );
  assert.equal(sharesText(shares(12, null, null), 50), '90 % of the variance: k = 12 · 95 % and 99 % need more than 50 components');
  assert.equal(sharesText(shares(null, null, null), 3), '90 %, 95 % and 99 % need more than 3 components');
  assert.equal(sharesText(shares(null, null, null), 1), '90 %, 95 % and 99 % need more than 1 component');
});

test('no shares: nothing to say', () => {
  assert.equal(sharesText(undefined, 50), '');
  assert.equal(sharesText([], 50), '');
});

test("the distortion plot's marks: labels apart and inside the plot, a mark past the k shown empty", () => {
  const figure = { data: [], layout: { xaxis4: { range: [-0.5, 50.5] }, yaxis4: { range: [0, 200] } } };
  addDistortionMarks(figure, shares(6, 8, 60));
  assert.equal(figure.data.length, 3, 'one trace per share, the same traces at every K');
  const tops = figure.data.map((trace) => trace.y[1]);
  assert.deepEqual(
    figure.data.map((trace) => trace.x[0]),
    [6, 8, null],
  );
  // The plot is about 80 px tall and a label 10 px: its middle 6 px or more below the top edge,
  // and 12 px or more between two labels (at k = 6 and 8 they stand side by side).
  assert.ok(tops[0] <= 200 * (1 - 6 / 80), `first label at ${tops[0]} of 200`);
  assert.ok(tops[0] - tops[1] >= 200 * (12 / 80), `labels ${tops[0] - tops[1]} apart`);
});

test('the variance chart reaches its farthest mark, and labels near the right edge sit left of their line', () => {
  // 600 colour crops, K = 50: the chart shows 75 of 600 components; 95 and 99 % at k = 126, 310.
  const wide = varianceMarkPlaces(75.5, 600, [64, 126, 310]);
  assert.equal(wide.right, 326 + 0.5, 'to 5 % past the 99 % mark');
  assert.deepEqual(wide.anchors, ['left', 'left', 'right']);
  // Marks within the range shown keep it; a mark at 64 of 75 is in the right third.
  assert.deepEqual(varianceMarkPlaces(75.5, 600, [64]), { right: 75.5, anchors: ['right'] });
  assert.deepEqual(varianceMarkPlaces(20.5, 784, [4, 5, 10]), { right: 20.5, anchors: ['left', 'left', 'left'] });
  // Never past the components there are; no marks, no change.
  assert.equal(varianceMarkPlaces(75.5, 300, [299]).right, 300.5);
  assert.deepEqual(varianceMarkPlaces(75.5, 600, []), { right: 75.5, anchors: [] });
});
