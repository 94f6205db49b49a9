// web/page/heatmap-calc.js: plotly's heatmap calc run on a stand-in of the picture's shape (rows
// after the first empty) for the page's own clean pictures, and on the z itself for anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipCleaningOfPictures } from '../../web/page/heatmap-calc.js';

// A fake of plotly's heatmap module: its calc records the z it was given and returns calcdata
// holding a copy, as plotly's clean2dArray does.
function fakePlot({ axisType = 'linear' } = {}) {
  const seen = [];
  const module = {
    calc(gd, trace) {
      seen.push(trace.z);
      return [{ z: trace.z.map((row) => Array.from(row)), x: [0, trace.z[0].length] }];
    },
  };
  const trace = (z, extra = {}) => Object.assign({ type: 'heatmap', xaxis: 'x2', yaxis: 'y2', zauto: false, z, _module: module }, extra);
  const gd = { _fullLayout: { xaxis2: { type: axisType }, yaxis2: { type: axisType } }, _fullData: [trace([[0]])] };
  return { module, seen, trace, gd };
}

const picture = (height, width, at = () => 1) =>
  Array.from({ length: height }, (_, r) => Float32Array.from({ length: width }, (_, c) => at(r, c)));

test('a clean picture: calc sees a stand-in of its shape, calcdata gets its own rows', () => {
  const { module, seen, trace, gd } = fakePlot();
  skipCleaningOfPictures(gd);
  const z = picture(3, 4, (r, c) => r * 4 + c + 0.5);
  const full = trace(z);
  const cd = module.calc(gd, full);
  assert.deepEqual(
    seen[0].map((row) => row.length),
    [4, 0, 0],
    'three rows, the first of four values, the others empty',
  );
  assert.equal(cd[0].z, z, "the picture's own rows, not a copy");
  assert.equal(full.z, z, 'the trace keeps its z');
  module.calc(gd, trace(z));
  assert.equal(seen[1], seen[0], 'one stand-in per shape');
});

test('anything else goes through the calc as given', () => {
  const cases = {
    'a NaN value': [picture(2, 2, (r, c) => (r && c ? NaN : 1)), {}],
    'an infinite value': [picture(2, 2, () => Infinity), {}],
    'plain number lists': [
      [
        [1, 2],
        [3, 4],
      ],
      {},
    ],
    'rows of two lengths': [[Float32Array.of(1, 2), Float32Array.of(3)], {}],
    'a colour range from the values': [picture(2, 2), { zauto: true }],
    transposed: [picture(2, 2), { transpose: true }],
    'gaps connected': [picture(2, 2), { connectgaps: true }],
  };
  for (const [what, [z, extra]] of Object.entries(cases)) {
    const { module, seen, trace, gd } = fakePlot();
    skipCleaningOfPictures(gd);
    const cd = module.calc(gd, trace(z, extra));
    assert.equal(seen[0], z, `${what}: calc saw the z itself`);
    assert.notEqual(cd[0].z, z, `${what}: calcdata as the calc made it`);
  }
  const { module, seen, trace, gd } = fakePlot({ axisType: 'category' });
  skipCleaningOfPictures(gd);
  const z = picture(2, 2);
  module.calc(gd, trace(z));
  assert.equal(seen[0], z, 'category axes: calc saw the z itself');
});

test('another plot drawn with the same module is left alone', () => {
  const { module, seen, trace, gd } = fakePlot();
  skipCleaningOfPictures(gd);
  const other = { _fullLayout: gd._fullLayout, _fullData: [] };
  const z = picture(2, 3);
  module.calc(other, trace(z));
  assert.equal(seen[0], z);
  skipCleaningOfPictures(other); // has no heatmap of its own: nothing to wrap, nothing added
  module.calc(other, trace(z));
  assert.equal(seen[1], z);
});
