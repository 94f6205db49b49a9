// web/page/export.js, the GIF's frames: frameFigure puts a frame's traces at their `traces` indices over
// the base traces (which keep their axes) and merges its layout as Plotly.animate does; checked on
// the figure the core builds (the page's Download GIF is tested end to end in
// tests/e2e/gif-export.test.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Export from '../../web/page/export.js';
import { startModule, withExplorer } from './module.js';
import { npy } from './npy-bytes.js';

test('mergeLayout: objects key by key, arrays of objects item by item, the rest replaced', () => {
  const base = { title: { text: 'a', x: 0.5 }, shapes: [{ type: 'circle', x0: 1, xanchor: 0 }], sliders: [{ active: 0 }], width: 3 };
  const merged = Export.mergeLayout(base, { title: { text: 'b' }, shapes: [{ xanchor: 4 }], width: [1, 2] });
  assert.deepEqual(merged, {
    title: { text: 'b', x: 0.5 },
    shapes: [{ type: 'circle', x0: 1, xanchor: 4 }],
    sliders: [{ active: 0 }],
    width: [1, 2],
  });
  assert.deepEqual(base.title, { text: 'a', x: 0.5 }, 'the base is not changed');
  assert.equal(base.shapes[0].xanchor, 0, 'the base is not changed');
});

test("frameFigure on the core's figure: every frame, its traces in place, the slider on it", async () => {
  const Module = await startModule();
  withExplorer(Module, (ex) => {
    // 12 images of 3×4, seeded (the structure is checked here, not the numbers).
    let seed = 7;
    const values = Float32Array.from({ length: 12 * 12 }, () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    ex.beginFile(0, 0);
    ex.feed(npy('<f4', [12, 3, 4], values));
    ex.finishFile();
    ex.fit(0);
    const figure = JSON.parse(ex.figureJson({ sampleIndex: 2, nComponents: 6, step: 2, frameDurationMs: 50, binaryArrays: false }));
    assert.equal(figure.frames.length, 4, 'k = 0, 2, 4, 6');
    const layout = JSON.parse(JSON.stringify(figure.layout));
    for (let i = 0; i < figure.frames.length; i++) {
      const frame = figure.frames[i];
      const shown = Export.frameFigure(figure, layout, i);
      assert.equal(shown.data.length, figure.data.length);
      shown.data.forEach((trace, t) => {
        assert.equal(trace.xaxis, figure.data[t].xaxis, `frame ${i} trace ${t} keeps its x axis`);
        assert.equal(trace.yaxis, figure.data[t].yaxis, `frame ${i} trace ${t} keeps its y axis`);
        const j = frame.traces.indexOf(t);
        assert.deepEqual(trace.z, j >= 0 ? frame.data[j].z : figure.data[t].z, `frame ${i} trace ${t}`);
      });
      assert.equal(shown.layout.title.text, frame.layout.title.text);
      assert.equal(shown.layout.title.x, figure.layout.title.x, "the base title's position stays");
      assert.equal(shown.layout.shapes[0].xanchor, Number(frame.name), 'the marker at this k');
      assert.equal(shown.layout.sliders[0].active, i, 'the slider on this frame');
    }
    assert.deepEqual(layout, figure.layout, 'the base layout is not changed');
  });
});

test('webmSupport: without WebCodecs (node has no VideoEncoder) the reason, for the disabled button', async () => {
  const { webmSupport } = await import('../../web/page/webm-export.js');
  assert.equal(typeof globalThis.VideoEncoder, 'undefined');
  assert.deepEqual(await webmSupport(), {
    reason: 'This browser has no WebCodecs VideoEncoder, which the WebM video needs: try the GIF.',
  });
  // An encoder that takes neither codec: the other reason.
  globalThis.VideoFrame = class {};
  globalThis.VideoEncoder = class {
    static async isConfigSupported() {
      return { supported: false };
    }
  };
  try {
    assert.deepEqual(await webmSupport(), {
      reason: 'This browser cannot encode VP8 or VP9 video (WebCodecs), which the WebM video needs: try the GIF.',
    });
  } finally {
    delete globalThis.VideoFrame;
    delete globalThis.VideoEncoder;
  }
});
