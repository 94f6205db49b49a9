'use strict';
// The shipped WebAssembly module (build/wasm/pcarecon.js) under node: the surface of
// wasm/pcarecon.d.ts, checked against scikit-learn's references written by the fixtures, with
// errors arriving as Error objects carrying the core's text and no embind object or handle leaked.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { npy } = require('./npy-bytes');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const shared = require('./module');

const { ROOT } = shared;

let M; // the module
let FIGURE_DIR; // fixtures written by tests/fixtures/figure_cases.py
let TEMP_ROOT; // set when this file wrote the fixtures itself

before(async () => {
  M = await shared.startModule();
  let root = path.join(ROOT, 'build', 'native', 'fixtures');
  if (!fs.existsSync(path.join(root, 'figure', 'digits.json'))) {
    root = TEMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-fixtures-'));
    execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests', 'fixtures', 'make_fixtures.py'), root], { stdio: 'ignore' });
  }
  FIGURE_DIR = path.join(root, 'figure');
});

after(() => {
  if (TEMP_ROOT) fs.rmSync(TEMP_ROOT, { recursive: true, force: true });
});

// ---- helpers ----------------------------------------------------------------------------------

function fixtureBytes(name) {
  return new Uint8Array(fs.readFileSync(path.join(FIGURE_DIR, `${name}.npy`)));
}
function reference(name) {
  return JSON.parse(fs.readFileSync(path.join(FIGURE_DIR, `${name}.json`), 'utf8'));
}
function hint(ref) {
  return ref.shape_arg ? ref.image : [0, 0];
}

function float32Stack(n, h, w, seed = 1) {
  const values = new Float32Array(n * h * w);
  let s = seed;
  for (let i = 0; i < values.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    values[i] = s / 2147483648;
  }
  return { bytes: npy('<f4', [n, h, w], values), values };
}

const withExplorer = (fn) => shared.withExplorer(M, fn);

function load(ex, bytes, chunk = 1 << 20, size = [0, 0]) {
  ex.beginFile(size[0], size[1]);
  for (let i = 0; i < bytes.length; i += chunk) ex.feed(bytes.subarray(i, i + chunk));
  return ex.finishFile();
}

function decodeZ(z, h, w) {
  if (!Array.isArray(z)) {
    assert.equal(z.dtype, 'f4');
    assert.equal(z.shape, `${h},${w}`);
    const buf = Buffer.from(z.bdata, 'base64');
    assert.equal(buf.length, h * w * 4);
    return Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)));
  }
  assert.equal(z.length, h);
  for (const row of z) assert.equal(row.length, w);
  return z.flat();
}

function assertClose(actual, expected, { rtol = 0, atol = 0 }, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
  }
}

// Calls fn, which must throw an Error (not a number or a string) whose message matches.
function assertCoreError(fn, pattern) {
  let thrown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `expected an error matching ${pattern}`);
  assert.ok(thrown instanceof Error, `expected an Error, got ${typeof thrown}: ${thrown}`);
  assert.match(thrown.message, pattern);
}

// ---- tests ------------------------------------------------------------------------------------

describe('npyInfo', () => {
  test('reads the header of a NumPy file', () => {
    const info = M.npyInfo(fixtureBytes('digits'));
    assert.deepEqual(info.shape, [300, 8, 8]);
    assert.equal(info.dtype, '<f8');
    assert.equal(info.fortranOrder, false);
    assert.equal(info.version, '1.0');
    assert.equal(info.samples, 300);
    assert.equal(info.height, 8);
    assert.equal(info.width, 8);
  });

  test('an (N, D) file whose D is not a square has no image size yet', () => {
    const info = M.npyInfo(fixtureBytes('flat'));
    assert.deepEqual(info.shape, [64, 30]);
    assert.equal(info.samples, 64);
    assert.equal(info.height, 0);
    assert.equal(info.width, 0);
    assertCoreError(() => M.npyInfo(npy('<f4', [5], new Float32Array(5))), /shape/);
  });

  test('recognises a square D exactly, as the reader does, up to the end of int64', () => {
    // 3037000499² is the largest square below 2^63; in JS numbers it would be rounded, so the
    // header is written as text. The image shape is then what the reader would use.
    const square = M.npyInfo(npy('|u1', ['1', '9223372030926249001']));
    assert.deepEqual([square.height, square.width], [3037000499, 3037000499]);
    const notSquare = M.npyInfo(npy('|u1', ['1', '9223372030926249000']));
    assert.deepEqual([notSquare.height, notSquare.width], [0, 0]);
    for (const side of [1, 2 ** 26 + 1, 94906265]) {
      const info = M.npyInfo(npy('|u1', [1, side * side]));
      assert.deepEqual([info.height, info.width], [side, side]);
      assert.equal(M.npyInfo(npy('|u1', [1, side * side + 1])).height, 0);
    }
  });

  test('needs only the header bytes', () => {
    const bytes = fixtureBytes('low_rank');
    const info = M.npyInfo(bytes.subarray(0, 128));
    assert.deepEqual(info.shape, [50, 20, 12]);
    assert.equal(info.dtype, '<f4');
  });

  test("refuses unsupported and broken files with the core's message", () => {
    assertCoreError(() => M.npyInfo(npy('<c16', [2, 2, 2], new Float64Array(16))), /unsupported dtype '<c16'.*complex/);
    assertCoreError(() => M.npyInfo(fixtureBytes('digits').subarray(0, 20)), /truncated|header/);
    assertCoreError(() => M.npyInfo(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), /.npy|magic|NumPy/i);
    assertCoreError(() => M.npyInfo('not bytes'), /must be a Uint8Array \(got string\)/);
  });
});

describe('Explorer loading', () => {
  test('streams a file in chunks exactly as in one piece', () => {
    const bytes = fixtureBytes('digits');
    withExplorer((whole) =>
      withExplorer((chunked) => {
        const a = load(whole, bytes);
        chunked.beginFile(0, 0);
        assert.equal(chunked.headerInfo(), null);
        assert.equal(chunked.rowsRead(), 0);
        let sawProgress = false;
        for (let i = 0; i < bytes.length; i += 997) {
          chunked.feed(bytes.subarray(i, i + 997));
          const rows = chunked.rowsRead();
          if (rows > 0 && rows < 300) sawProgress = true;
        }
        assert.ok(sawProgress, 'rowsRead grows while the file streams');
        const pending = chunked.headerInfo();
        assert.equal(pending.samples, 300);
        const b = chunked.finishFile();
        assert.deepEqual(b, a);
        assert.deepEqual(b, chunked.info());
        assert.equal(a.valueMin, 0);
        assert.equal(a.valueMax, 16);
        for (const i of [0, 17, 299]) {
          const x = whole.image(i);
          assert.ok(x instanceof Float32Array);
          assert.equal(x.length, 64);
          assert.deepEqual(chunked.image(i), x);
        }
        whole.fit(5);
        chunked.fit(5);
        assert.deepEqual(chunked.model(), whole.model());
      }),
    );
  });

  test('takes an ArrayBuffer chunk as well', () => {
    withExplorer((ex) => {
      const bytes = fixtureBytes('low_rank');
      ex.beginFile(0, 0);
      ex.feed(bytes.slice().buffer);
      assert.equal(ex.finishFile().samples, 50);
    });
  });

  test('a bad file does not replace the loaded stack', () => {
    withExplorer((ex) => {
      load(ex, fixtureBytes('low_rank'));
      ex.fit(3);
      const before = ex.info();

      const truncated = fixtureBytes('digits').subarray(0, 5000);
      ex.beginFile(0, 0);
      ex.feed(truncated);
      assertCoreError(() => ex.finishFile(), /truncated/);

      ex.beginFile(0, 0);
      assertCoreError(() => ex.feed(npy('<c8', [2, 2, 2], new Float32Array(16))), /complex/);
      assertCoreError(() => ex.feed(new Uint8Array(4)), /no file is being read/);

      ex.beginFile(0, 0);
      ex.feed(fixtureBytes('digits').subarray(0, 3000));
      ex.cancelFile();

      assert.deepEqual(ex.info(), before);
      assert.equal(ex.model().nComponents, 3);
      assert.equal(ex.fitCount(), 1);
      JSON.parse(ex.figureJson({ sampleIndex: 0, nComponents: 0, step: 1, frameDurationMs: 50 }));
    });
  });

  test('an image size hint shapes (N, D) files', () => {
    withExplorer((ex) => {
      assertCoreError(() => load(ex, fixtureBytes('flat')), /30/);
      const info = load(ex, fixtureBytes('flat'), 1000, [5, 6]);
      assert.equal(info.height, 5);
      assert.equal(info.width, 6);
      assertCoreError(
        () => ex.beginFile(5, 0),
        /^image size 5x0 is not valid: give a positive height and width, or 0 and 0 to infer them$/,
      );
      assertCoreError(() => ex.beginFile(-2, -3), /^image size -2x-3 is not valid/);
      assertCoreError(() => ex.beginFile(2.5, 2), /image height must be a whole number \(got 2.5\)/);
    });
  });
});

describe('fitting', () => {
  for (const name of ['digits', 'low_rank', 'flat']) {
    test(`fitJson agrees with scikit-learn (${name})`, () => {
      const ref = reference(name);
      // (N, D) files fit without an image size: the fit does not need one.
      const fit = JSON.parse(M.fitJson(fixtureBytes(name), ref.n_components));
      assertClose(fit.explained_variance, ref.explained_variance, { rtol: 1e-5 }, 'explained_variance');
      assertClose(fit.explained_variance_ratio, ref.explained_variance_ratio, { rtol: 1e-5 }, 'explained_variance_ratio');
      assertClose(fit.singular_values, ref.singular_values, { rtol: 1e-5 }, 'singular_values');
      const scale = Math.max(1, ...ref.mean.map(Math.abs));
      assertClose(fit.mean, ref.mean, { atol: 1e-6 * scale }, 'mean');
      assert.equal(fit.components.length, ref.n_components);
      fit.components.forEach((row, i) => assertClose(row, ref.components[i], { atol: 1e-4 }, `components[${i}]`));
    });
  }

  test('Explorer.model() agrees with scikit-learn, components row-major', () => {
    const ref = reference('low_rank');
    withExplorer((ex) => {
      load(ex, fixtureBytes('low_rank'));
      assertCoreError(() => ex.model(), /no model is fitted/);
      assertCoreError(() => ex.variance(), /no model is fitted/);
      ex.fit(ref.n_components);
      const m = ex.model();
      assert.equal(m.nComponents, ref.n_components);
      assert.equal(m.dim, 240);
      assert.equal(m.nSamples, 50);
      for (const key of ['mean', 'components', 'explainedVariance', 'explainedVarianceRatio', 'singularValues'])
        assert.ok(m[key] instanceof Float64Array, key);
      assertClose(m.explainedVariance, ref.explained_variance, { rtol: 1e-5 }, 'explainedVariance');
      assertClose(m.components, ref.components.flat(), { atol: 1e-4 }, 'components');
      assertClose(ex.component(2), ref.components[2], { atol: 1e-4 }, 'component(2)');
      assertClose(ex.meanImage(), ref.mean, { atol: 1e-5 }, 'meanImage');
      assert.ok(m.totalVariance > 0);
      // variance(): the same model without the K*D arrays.
      const { mean, components, ...rest } = m;
      assert.deepEqual(ex.variance(), rest);
    });
  });

  test('fit counter: a new sample or figure does not refit', () => {
    withExplorer((ex) => {
      load(ex, fixtureBytes('digits'));
      assert.equal(ex.fitCount(), 0);
      ex.fit(8);
      for (const i of [0, 5, 100]) ex.figureJson({ sampleIndex: i, nComponents: 8, step: 2, frameDurationMs: 100 });
      ex.reconstruction(3, 4);
      ex.distortion(3);
      assert.equal(ex.fitCount(), 1);
      assertCoreError(() => ex.fit(2.5), /number of components must be a whole number \(got 2.5\)/);
      assertCoreError(() => ex.fit(-1), /number of components must be 0/);
      assertCoreError(() => ex.fit(100000), /100000/);
      assert.equal(ex.fitCount(), 1);
      assert.equal(ex.model().nComponents, 8);
    });
  });

  test('reconstruction and distortion follow scikit-learn', () => {
    const ref = reference('digits');
    withExplorer((ex) => {
      load(ex, fixtureBytes('digits'));
      ex.fit(ref.n_components);
      ref.ks.forEach((k, j) => {
        const r = ex.reconstruction(ref.sample, k);
        assert.ok(r instanceof Float64Array);
        assertClose(r, ref.reconstructions[j], { atol: 1e-4 }, `x̂_${k}`);
      });
      const d = ex.distortion(ref.sample);
      assert.equal(d.length, ref.n_components + 1);
      const x = Array.from(ex.image(ref.sample));
      const last = ref.reconstructions[ref.ks.length - 1];
      const expected = x.reduce((s, v, i) => s + (v - last[i]) ** 2, 0);
      assert.ok(Math.abs(d[ref.n_components] - expected) <= 1e-6 * Math.max(1, expected));
      assertCoreError(() => ex.reconstruction(300, 1), /sample index 300 is out of range: the file has 300 samples \(0 to 299\)/);
      assertCoreError(() => ex.reconstruction(0, 11), /k = 11 is out of range/);
    });
  });
});

describe('figure', () => {
  function figureOf(name, options) {
    const ref = reference(name);
    return withExplorer((ex) => {
      load(ex, fixtureBytes(name), 4096, hint(ref));
      ex.fit(ref.n_components);
      const text = ex.figureJson({ sampleIndex: ref.sample, nComponents: 0, step: 1, frameDurationMs: 80, ...options });
      return { ref, text, fig: JSON.parse(text) };
    });
  }

  test("every frame trace keeps its base trace's type and axes", () => {
    for (const name of ['digits', 'low_rank', 'flat']) {
      const { fig } = figureOf(name, { step: 3 });
      assert.deepEqual(
        fig.data.map((t) => [t.xaxis, t.yaxis]),
        [
          ['x', 'y'],
          ['x2', 'y2'],
          ['x3', 'y3'],
          ['x4', 'y4'],
        ],
      );
      for (const frame of fig.frames) {
        assert.equal(frame.traces.length, frame.data.length);
        assert.equal(frame.layout.shapes[0].xref, 'x4', 'the current-k marker is a shape on the distortion axes');
        assert.equal(frame.layout.shapes[0].xanchor, Number(frame.name));
        frame.data.forEach((trace, j) => {
          const base = fig.data[frame.traces[j]];
          assert.ok(base, `trace index ${frame.traces[j]}`);
          assert.equal(trace.type, base.type);
          assert.equal(trace.xaxis, base.xaxis);
          assert.equal(trace.yaxis, base.yaxis);
          if (trace.type === 'heatmap') {
            assert.equal(trace.zmin, base.zmin);
            assert.equal(trace.zmax, base.zmax);
          }
        });
      }
    }
  });

  test("frames are named by k and carry sklearn's reconstructions", () => {
    for (const binaryArrays of [true, false, undefined]) {
      const options = { step: 3 };
      if (binaryArrays !== undefined) options.binaryArrays = binaryArrays;
      const { ref, fig, text } = figureOf('digits', options);
      assert.deepEqual(
        fig.frames.map((f) => f.name),
        ['0', '3', '6', '9', '10'],
      );
      assert.deepEqual(
        fig.layout.sliders[0].steps.map((s) => s.label),
        ['0', '3', '6', '9', '10'],
      );
      assert.equal(text.includes('bdata'), binaryArrays !== false);
      assert.ok(!/NaN|Infinity/.test(text));
      const frames = Object.fromEntries(fig.frames.map((f) => [f.name, f]));
      ref.ks.forEach((k, j) => {
        const frame = frames[String(k)] || (k === 1 ? null : undefined);
        if (!frame) return; // k not shown at this step
        const z = decodeZ(frame.data[0].z, 8, 8);
        assertClose(z, ref.reconstructions[j], { atol: 1e-4 }, `frame ${k}`);
      });
      assert.match(fig.frames.at(-1).layout.title.text, /k = 10 of 10 components/);
    }
  });

  test('options are checked with clear messages', () => {
    withExplorer((ex) => {
      load(ex, fixtureBytes('low_rank'));
      ex.fit(4);
      const good = { sampleIndex: 1, nComponents: 4, step: 1, frameDurationMs: 100 };
      assertCoreError(
        () => ex.figureJson({ ...good, sampleIndex: 50 }),
        /^sample index 50 is out of range: the file has 50 samples \(0 to 49\)$/,
      );
      assertCoreError(() => ex.figureJson({ ...good, nComponents: 5 }), /^cannot show 5 components/);
      assertCoreError(() => ex.figureJson({ ...good, step: 0 }), /^step must be at least 1 \(got 0\)$/);
      assertCoreError(() => ex.figureJson({ ...good, step: 1.5 }), /step must be a whole number/);
      assertCoreError(() => ex.figureJson({ ...good, frameDurationMs: -1 }), /^frame duration must be between 0 and 60000 ms \(got -1\)$/);
      assertCoreError(
        () => ex.figureJson({ ...good, frameDurationMs: 2 ** 40 }),
        /^frame duration must be between 0 and 60000 ms \(got 1099511627776\)$/,
      );
      assertCoreError(() => ex.figureJson({ sampleIndex: 0, nComponents: 4, step: 1 }), /frameDurationMs is missing/);
      assertCoreError(() => ex.figureJson({ ...good, sampleIndex: '3' }), /sampleIndex must be a number \(got string\)/);
      assertCoreError(() => ex.figureJson({ ...good, binaryArrays: 'yes' }), /binaryArrays must be true or false/);
      assertCoreError(() => ex.figureJson(null), /figure options must be an object/);
      JSON.parse(ex.figureJson(good));
    });
  });
});

describe('no leaks', () => {
  test('deleted Explorers are gone and error paths release every handle', () => {
    const live = M.liveExplorerCount();
    const handles = M.count_emval_handles();
    const bytes = fixtureBytes('low_rank');
    const bad = npy('<c8', [2, 2, 2], new Float32Array(16));
    for (let i = 0; i < 20; i++) {
      withExplorer((ex) => {
        load(ex, bytes, 5000);
        ex.fit(3);
        ex.figureJson({ sampleIndex: i, nComponents: 3, step: 1, frameDurationMs: 10 });
        ex.model();
        ex.headerInfo();
        try {
          ex.figureJson({ sampleIndex: 999, nComponents: 3, step: 1, frameDurationMs: 10 });
        } catch (e) {
          /* expected */
        }
        try {
          ex.figureJson({ sampleIndex: 'x' });
        } catch (e) {
          /* expected */
        }
        try {
          ex.beginFile(0, 0);
          ex.feed(bad);
        } catch (e) {
          /* expected */
        }
        try {
          ex.feed('nope');
        } catch (e) {
          /* expected */
        }
        try {
          M.npyInfo(bad);
        } catch (e) {
          /* expected */
        }
        try {
          M.fitJson(bad, 1);
        } catch (e) {
          /* expected */
        }
      });
    }
    assert.equal(M.liveExplorerCount(), live);
    assert.equal(M.count_emval_handles(), handles);
  });

  test('memory stays flat over many load, fit, figure, delete cycles (including failures)', () => {
    const { bytes } = float32Stack(400, 32, 32, 3); // 1.6 MB per load
    const cycle = () =>
      withExplorer((ex) => {
        load(ex, bytes, 65536);
        ex.fit(5);
        ex.figureJson({ sampleIndex: 1, nComponents: 5, step: 1, frameDurationMs: 10 });
        ex.beginFile(0, 0);
        ex.feed(bytes.subarray(0, 100000));
        try {
          ex.finishFile();
        } catch (e) {
          /* truncated */
        }
        try {
          ex.reconstruction(1, 1);
        } catch (e) {
          /* fine */
        }
        try {
          M.fitJson(bytes.subarray(0, 200000), 2);
        } catch (e) {
          /* truncated */
        }
      });
    for (let i = 0; i < 3; i++) cycle(); // warm up the allocator
    const heap = M.HEAPU8.length;
    for (let i = 0; i < 25; i++) cycle();
    assert.equal(M.HEAPU8.length, heap, 'wasm memory grew: something is not freed');
    assert.equal(M.liveExplorerCount(), 0);
  });
});
