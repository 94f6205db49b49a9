// Explorer.figureParts (the figure with its pictures apart, one Float32Array) filled by the page's
// fillPictures (web/page/figure-pictures.js) is figureJson's figure: the same JSON apart from z,
// and every z the same float32 values, gray (rows) and colour (a typed-array spec); a
// reference outside the array is refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillPictures, pictureOf } from '../../web/page/figure-pictures.js';
import { startModule, withExplorer } from './module.js';
import { npy } from './npy-bytes.js';

// Seeded values, not all alike (the structure and every value are checked here).
function stack(n, values) {
  let seed = 11;
  return Float32Array.from({ length: n * values }, () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function decodedSpec(spec) {
  return new Float32Array(Uint8Array.from(Buffer.from(spec.bdata, 'base64')).buffer);
}

// A filled z as one flat list of values.
function flatValues(z) {
  if (Array.isArray(z)) return z.flatMap((row) => Array.from(row));
  assert.ok(z.bdata instanceof ArrayBuffer, 'a colour picture is a typed-array spec over an ArrayBuffer');
  return Array.from(new Float32Array(z.bdata));
}

function withoutZ(figure) {
  const strip = (traces) => (traces || []).map((t) => Object.assign({}, t, { z: undefined }));
  return {
    data: strip(figure.data),
    layout: figure.layout,
    frames: figure.frames.map((f) => Object.assign({}, f, { data: strip(f.data) })),
  };
}

for (const [what, shape] of [
  ['gray 5×4', [9, 5, 4]],
  ['colour 3×2×3', [9, 3, 2, 3]],
]) {
  test(`figureParts + fillPictures = figureJson (${what})`, async () => {
    const Module = await startModule();
    withExplorer(Module, (ex) => {
      const values = shape.slice(1).reduce((a, b) => a * b, 1);
      ex.beginFile(0, 0);
      ex.feed(npy('<f4', shape, stack(shape[0], values)));
      ex.finishFile();
      ex.fit(0);
      const options = { sampleIndex: 4, nComponents: 6, step: 2, frameDurationMs: 40 };
      const whole = JSON.parse(ex.figureJson(options));
      const parts = ex.figureParts(options);
      assert.ok(parts.images instanceof Float32Array);
      assert.equal(parts.imageValues, values);
      assert.equal(parts.images.length, values * (1 + 2 * 4), 'the original, then two pictures for each of k = 0, 2, 4, 6');
      assert.ok(!parts.json.includes('bdata'), 'no picture travels in the JSON');
      const figure = fillPictures(JSON.parse(parts.json), parts.images);
      assert.deepEqual(withoutZ(figure), withoutZ(whole), 'the same figure apart from z (types, axes, frames, layout)');
      const pairs = [];
      figure.data.forEach((t, i) => pairs.push([t.z, whole.data[i].z, `trace ${i}`]));
      figure.frames.forEach((f, j) => f.data.forEach((t, i) => pairs.push([t.z, whole.frames[j].data[i].z, `frame ${j} trace ${i}`])));
      for (const [filled, spec, where] of pairs) {
        if (!spec || !spec.bdata) continue; // the distortion line
        assert.deepEqual(flatValues(filled), Array.from(decodedSpec(spec)), where);
        if (shape.length === 3) assert.equal(filled.length, shape[1], `${where}: one row view per image row`);
        else assert.equal(filled.shape, spec.shape, where);
      }
      assert.notEqual(figure.data[1].z, figure.frames[0].data[0].z, 'a picture named twice gets its own z in each trace');

      // firstFrameOnly (a large figure's first part, page/figure-controller.js): the first frame
      // alone and its pictures with the original, all else the whole figure's.
      const first = ex.figureParts(Object.assign({ firstFrameOnly: true }, options));
      assert.equal(first.images.length, values * 3, "the first frame's two pictures and the original");
      const firstFigure = fillPictures(JSON.parse(first.json), first.images);
      assert.deepEqual(withoutZ(firstFigure), Object.assign(withoutZ(figure), { frames: withoutZ(figure).frames.slice(0, 1) }));
      firstFigure.data.forEach((t, i) => t.z && assert.deepEqual(flatValues(t.z), flatValues(figure.data[i].z), `first part: trace ${i}`));
      assert.throws(
        () => ex.figureParts(Object.assign({ firstFrameOnly: 1 }, options)),
        /firstFrameOnly must be true or false \(got number\)/,
      );
    });
  });
}

test('pictureOf refuses a picture outside the values sent', () => {
  assert.throws(
    () => pictureOf({ dtype: 'f4', shape: '2,2', image: 3 }, new Float32Array(12)),
    /picture 3 of shape 2,2 is not among the 12 values sent/,
  );
  assert.deepEqual(
    pictureOf(
      { dtype: 'f4', shape: '2,2', image: 2 },
      Float32Array.from({ length: 12 }, (_, i) => i),
    ).map((r) => Array.from(r)),
    [
      [8, 9],
      [10, 11],
    ],
  );
});
