// The view options in the URL hash that are words or a percentage (web/page/url-state.js:
// colormap, residual, scale, clip, theme), and the module's figure with them (the page's use of
// them is tested end to end in tests/e2e/views.test.js).

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { parseOptions, formatOptions, format, parse } from '../../web/page/url-state.js';

const require = createRequire(import.meta.url);
const shared = require('./module.js');
const { npy } = require('./npy-bytes.js');

describe('parseOptions', () => {
  test('reads each option, in any order, among other keys', () => {
    assert.deepEqual(parseOptions('#sample=3&colormap=viridis&residual=purple-orange&scale=frame&clip=1&theme=dark'), {
      colormap: 'viridis',
      residualColormap: 'purple-orange',
      scale: 'frame',
      clipPercent: 1,
      theme: 'dark',
    });
    assert.deepEqual(parseOptions('clip=0.5&colormap=MAGMA'), { clipPercent: 0.5, colormap: 'magma' });
    assert.deepEqual(parseOptions('#colormap=gray'), { colormap: 'grey' }, 'the American spelling');
  });

  test('drops values that are not accepted, keeps the last of repeated keys', () => {
    assert.deepEqual(parseOptions('#colormap=jet&residual=viridis&scale=auto&clip=30&theme=blue'), {});
    assert.deepEqual(parseOptions('#clip=-1'), {});
    assert.deepEqual(parseOptions('#clip=abc&clip=0x2'), {});
    assert.deepEqual(parseOptions('#colormap=magma&colormap=cividis'), { colormap: 'cividis' });
    assert.deepEqual(parseOptions(''), {});
  });
});

describe('formatOptions', () => {
  test('writes the options that differ from their defaults, after the other keys', () => {
    const options = { colormap: 'viridis', residualColormap: 'red-blue', scale: 'fixed', clipPercent: 1, theme: null };
    assert.equal(formatOptions(options, '#sample=3&k=20'), '#sample=3&k=20&colormap=viridis&clip=1');
    assert.equal(formatOptions({ colormap: 'grey', clipPercent: 0, theme: 'dark' }, ''), '#theme=dark');
  });

  test('replaces the options already in the hash, and drops those back at their default', () => {
    assert.equal(formatOptions({ colormap: 'magma' }, '#colormap=viridis&sample=2&clip=5'), '#sample=2&colormap=magma');
    assert.equal(formatOptions({ colormap: 'grey' }, '#colormap=viridis'), '');
  });

  test('round trip with the view fields', () => {
    const hash = formatOptions({ colormap: 'cividis', scale: 'frame' }, format({ sampleIndex: 4, nComponents: 9 }));
    assert.equal(hash, '#sample=4&k=9&colormap=cividis&scale=frame');
    assert.deepEqual(parse(hash).view, { sampleIndex: 4, nComponents: 9 });
    assert.deepEqual(parseOptions(hash), { colormap: 'cividis', scale: 'frame' });
  });
});

describe("the module's figure with colour options", () => {
  let M;
  before(async () => {
    M = await shared.startModule();
  });
  after(() => assert.equal(M.liveExplorerCount(), 0, 'every Explorer was deleted'));

  // 12 gray 4×4 images, as a .npy in memory.
  function withStack(fn) {
    return shared.withExplorer(M, (ex) => {
      const values = new Float32Array(12 * 16);
      for (let i = 0; i < values.length; i++) values[i] = ((i * 37) % 101) + (i % 16 === 0 ? 500 : 0);
      const bytes = npy('<f4', [12, 4, 4], new Uint8Array(values.buffer));
      ex.beginFile(0, 0);
      ex.feed(bytes);
      ex.finishFile();
      ex.fit(0);
      return fn(ex);
    });
  }
  const base = { sampleIndex: 1, nComponents: 5, step: 1, frameDurationMs: 100 };

  test('takes the colour maps and ranges it is given', () => {
    withStack((ex) => {
      const plain = JSON.parse(ex.figureJson(base));
      assert.deepEqual(plain.data[1].colorscale, [
        [0, '#000000'],
        [1, '#ffffff'],
      ]);
      const chosen = JSON.parse(
        ex.figureJson(Object.assign({ colormap: 'viridis', residualColormap: 'purple-orange', scale: 'frame', clipPercent: 10 }, base)),
      );
      assert.equal(chosen.data[0].colorscale.length, 256);
      assert.deepEqual(chosen.data[1].colorscale[0], [0, '#440154']);
      assert.deepEqual(chosen.data[2].colorscale[5], [0.5, '#f7f7f7']);
      const highs = chosen.frames.map((frame) => frame.data[0].zmax);
      assert.ok(new Set(highs).size > 1, `each frame its own range: ${highs}`);
      assert.ok(chosen.data[0].zmax < 500, 'the 500 outliers are clipped');
    });
  });

  test('refuses colour options it does not know, naming the value', () => {
    withStack((ex) => {
      const refused = (extra) => {
        try {
          ex.figureJson(Object.assign({}, base, extra));
        } catch (error) {
          return error.message;
        }
        return '(no error)';
      };
      assert.match(refused({ colormap: 'jet' }), /unknown colour map 'jet': choose grey, viridis, cividis or magma/);
      assert.match(refused({ residualColormap: 'grey' }), /unknown residual colour map 'grey'/);
      assert.match(refused({ scale: 'auto' }), /unknown colour scale mode 'auto'/);
      assert.match(refused({ clipPercent: 40 }), /clipping of 40 % is out of range: choose 0 \(none\) to 25 %/);
      assert.match(refused({ clipPercent: '1' }), /clipPercent must be a number \(got string\)/);
      assert.match(refused({ colormap: 3 }), /colormap must be a string \(got number\)/);
    });
  });
});
