// The view options in the URL hash that are words or a percentage (web/page/url-state.js:
// colormap, residual, scale, clip, theme), and the module's figure with them (the page's use of
// them is tested end to end in tests/e2e/views.test.js).

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { parseOptions, formatOptions, format, parse } from '../../web/page/url-state.js';
import { cumulativeRatios, frameLine, distortionSentence, percent } from '../../web/page/figure-text.js';
import { effectiveTheme, figureThemeUpdate, themeLayout } from '../../web/page/theme.js';

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

describe('the figure in words (figure-text.js)', () => {
  const distortion = [1000, 400, 200, 90, 50];
  const cumulative = cumulativeRatios([0.6, 0.2, 0.11, 0.05, 0.04], 4);

  test('cumulative shares, and percentages worded as the title words them', () => {
    assert.deepEqual(
      cumulative.map((c) => Math.round(c * 1000) / 1000),
      [0, 0.6, 0.8, 0.91, 0.96],
    );
    assert.equal(percent(0.875), '87.5');
    assert.equal(percent(0.9996), '>99.9', 'a share short of the whole never reads 100.0');
    assert.equal(percent(0.89996), '89.9', 'a share short of 90 % never reads 90.0');
    assert.equal(percent(0.29), '29.0', "0.29's binary value, a hair below, keeps its digit");
    assert.equal(percent(0.12345), '12.3');
    assert.equal(percent(1), '100.0');
  });

  test('the line announced for a frame', () => {
    assert.equal(frameLine({ k: 2, K: 4, cumulative, distortion }), 'k = 2 of 4: 80.0 % of the variance, distortion 200');
    assert.equal(frameLine({ k: 0, K: 4, cumulative, distortion: [1234567] }), 'k = 0 of 4: 0.0 % of the variance, distortion 1,235,000');
  });

  test('the distortion curve in a sentence', () => {
    assert.equal(
      distortionSentence({ sample: 3, K: 4, distortion }),
      'Distortion ‖x − x̂ₖ‖² of sample 3 against k: 1,000 at k = 0, 50 at k = 4 (5.0 % of it left); half of it is gone by k = 1; 90 % by k = 3.',
    );
    assert.equal(
      distortionSentence({ sample: 0, K: 1, distortion: [0, 0] }),
      'Distortion ‖x − x̂ₖ‖² of sample 0 against k: 0 at k = 0, 0 at k = 1.',
    );
  });
});

describe('the theme (theme.js)', () => {
  const media = (dark) => () => ({ matches: dark });

  test('the chosen theme, else the system colour scheme', () => {
    assert.equal(effectiveTheme(null, media(true)), 'dark');
    assert.equal(effectiveTheme(null, media(false)), 'light');
    assert.equal(effectiveTheme('light', media(true)), 'light');
    assert.equal(effectiveTheme('dark', media(false)), 'dark');
  });

  test("dark colours for the figure's paper, axes, slider and menus; light resets plotly's defaults", () => {
    const layout = { xaxis: {}, yaxis4: {}, sliders: [{}], updatemenus: [{ buttons: [] }], title: {} };
    const dark = figureThemeUpdate(layout, 'dark');
    assert.equal(dark.paper_bgcolor, '#1a1f27');
    assert.equal(dark['yaxis4.gridcolor'], '#343c4a');
    assert.equal(dark['sliders[0].bgcolor'], '#262c36');
    assert.equal(dark['updatemenus[0].font.color'], '#e4e8ef');
    const light = figureThemeUpdate(layout, 'light');
    assert.deepEqual(Object.keys(light), Object.keys(dark));
    assert.ok(Object.values(light).every((v) => v === null));
    const themed = themeLayout(structuredClone(layout), 'dark');
    assert.equal(themed.sliders[0].bgcolor, '#262c36');
    assert.equal(themed.updatemenus[0].font.color, '#e4e8ef');
    assert.deepEqual(themed.updatemenus[0].buttons, []);
    assert.deepEqual(themeLayout(structuredClone(layout), 'light'), layout);
  });
});
