'use strict';
// The bad-input table (tests/fixtures/bad_inputs.py → manifest.json) against the shipped wasm
// module, loaded as the page's worker loads a file: an Explorer holding a stack is given each
// file and must refuse it with the table's exact message as a JS Error (and keep its stack), or
// load, fit and draw it with finite numbers only. Then memory: a file too large for the 4 GB wasm
// heap is refused at its header, out of memory inside the module is an Error with the size and
// the limit (never "Aborted()"), and the module goes on working; real faults (abort, trap) are
// WebAssembly.RuntimeErrors the worker can recognise.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { npy } = require('./npy-bytes');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const shared = require('./module');

const { ROOT } = shared;

let M;
let TABLE_DIR;
let TEMP_ROOT;
let TABLE;

before(async () => {
  M = await shared.startModule();
  TABLE_DIR = path.join(ROOT, 'build', 'native', 'fixtures', 'bad_inputs');
  const writer = path.join(ROOT, 'tests', 'fixtures', 'bad_inputs.py');
  if (
    !fs.existsSync(path.join(TABLE_DIR, 'manifest.json')) ||
    fs.statSync(writer).mtimeMs > fs.statSync(path.join(TABLE_DIR, 'manifest.json')).mtimeMs
  ) {
    TEMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-bad-inputs-'));
    TABLE_DIR = TEMP_ROOT;
    execFileSync('/usr/bin/python3', [writer, TABLE_DIR], { stdio: 'ignore' });
  }
  TABLE = JSON.parse(fs.readFileSync(path.join(TABLE_DIR, 'manifest.json'), 'utf8'));
});

after(() => {
  if (TEMP_ROOT) fs.rmSync(TEMP_ROOT, { recursive: true, force: true });
});

// ---- helpers ------------------------------------------------------------------------------------

// The stack every refusal must keep: 3 images of 2x2.
const PREVIOUS = npy('<f4', [3, 2, 2], new Float32Array([0, 1, 4, 2, 2, 4, 1, 0, 0, 1, 4, 2]));

// Loads bytes as the worker does (size announced, one chunk) or in small chunks without the size.
// Returns the Error's {message, code, samples, values}, with message '' when the file loaded.
function outcome(ex, bytes, { chunk = bytes.length + 1, announce = true } = {}) {
  try {
    ex.beginFile(0, 0);
    if (announce) ex.expectFileSize(bytes.length);
    for (let i = 0; i < bytes.length; i += chunk) ex.feed(bytes.subarray(i, i + chunk));
    ex.finishFile();
    return { message: '' };
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${typeof error}: ${error}`);
    assert.ok(!(error instanceof WebAssembly.RuntimeError), `a trap or abort: ${error.message}`);
    const { message, code, samples, values } = error;
    return { message, code, samples, values };
  }
}

// The Error's message, or '' when the file loaded.
const load = (ex, bytes, options) => outcome(ex, bytes, options).message;

function sameMessage(expected, got) {
  const magic = '; this one starts with "';
  const e = expected.indexOf(magic);
  const g = got.indexOf(magic);
  if (e >= 0 && g >= 0) {
    // The bytes shown, without the closing quote and parenthesis.
    const shown = got.slice(g + magic.length, -2);
    return expected.startsWith(shown, e + magic.length);
  }
  return expected === got;
}

const withExplorer = (fn) => shared.withExplorer(M, fn);

// Every number of a figure, binary arrays ({dtype, bdata}) decoded.
function figureNumbers(node, out = []) {
  if (typeof node === 'number') out.push(node);
  else if (node === null) out.push(NaN);
  else if (Array.isArray(node)) node.forEach((item) => figureNumbers(item, out));
  else if (typeof node === 'object') {
    if (typeof node.bdata === 'string' && typeof node.dtype === 'string') {
      const buffer = Buffer.from(node.bdata, 'base64');
      const bytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
      const Typed = { f4: Float32Array, f8: Float64Array }[node.dtype];
      if (Typed) out.push(...new Typed(bytes));
    } else {
      Object.values(node).forEach((item) => figureNumbers(item, out));
    }
  }
  return out;
}

// ---- the table ------------------------------------------------------------------------------------

describe('the bad-input table', () => {
  test('has at least 25 refused cases and the degenerate ones', () => {
    assert.ok(TABLE.filter((c) => c.error !== null).length >= 25);
    assert.ok(TABLE.filter((c) => c.error === null).length >= 4);
  });

  test('every case gives its message, keeps the loaded stack, or works with finite numbers', () => {
    for (const c of TABLE) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(TABLE_DIR, c.file)));
      const what = `${c.name} (${c.what})`;
      withExplorer((ex) => {
        assert.equal(load(ex, PREVIOUS), '');
        const wholeOutcome = outcome(ex, bytes);
        const chunkedOutcome = outcome(ex, bytes, { chunk: 7, announce: false });
        const whole = wholeOutcome.message;
        const chunked = chunkedOutcome.message;
        if (c.stage === 'load') {
          assert.equal(whole, c.error, what);
          assert.ok(sameMessage(c.error, chunked), `${what}: chunked gave ${chunked}`);
          assert.equal(wholeOutcome.code, c.kind, `${what}: error.code`);
          assert.equal(chunkedOutcome.code, c.kind, `${what}: error.code, chunked`);
          if (c.kind === 'needs_image_shape') {
            assert.deepEqual([wholeOutcome.samples, wholeOutcome.values], [c.samples, c.values], what);
          } else {
            assert.deepEqual([wholeOutcome.samples, wholeOutcome.values], [undefined, undefined], what);
          }
          const info = ex.info();
          assert.equal(info.samples, 3, `${what}: the previous stack stays`);
          assert.equal(info.height * info.width, 4, what);
          return;
        }
        assert.equal(whole, '', what);
        assert.equal(chunked, '', what);
        if (c.stage === 'fit') {
          assert.throws(
            () => ex.fit(0),
            (e) => e instanceof Error && e.message === c.error && e.code === c.kind,
            what,
          );
          return;
        }
        const b = c.behaviour;
        const info = ex.info();
        assert.deepEqual([info.samples, info.height, info.width, info.channels], [b.samples, b.height, b.width, b.channels ?? 1], what);
        ex.fit(0);
        const model = ex.model();
        for (const key of ['mean', 'components', 'explainedVariance', 'explainedVarianceRatio', 'singularValues']) {
          assert.ok(model[key].every(Number.isFinite), `${what}: ${key} finite`);
        }
        assert.ok(Number.isFinite(model.totalVariance), what);
        if (b.zero_variance) {
          assert.equal(model.totalVariance, 0, what);
          assert.ok(
            model.explainedVarianceRatio.every((r) => r === 0),
            what,
          );
        } else {
          assert.ok(model.totalVariance > 0, what);
        }
        if (b.rank !== null) {
          assert.equal(model.explainedVarianceRatio.filter((r) => r > 1e-9).length, b.rank, `${what}: rank`);
        }
        for (const sampleIndex of [0, info.samples - 1]) {
          const figure = JSON.parse(ex.figureJson({ sampleIndex, nComponents: 0, step: 1, frameDurationMs: 100 }));
          delete figure.layout.updatemenus; // the play/pause buttons' [null] frame lists are plotly's own
          assert.doesNotMatch(JSON.stringify(figure), /null/, `${what}: no NaN or Inf written as null`);
          const numbers = figureNumbers(figure);
          assert.ok(numbers.length > 0, what);
          assert.ok(numbers.every(Number.isFinite), `${what}: every number of the figure is finite`);
          assert.ok(ex.distortion(sampleIndex).every(Number.isFinite), what);
        }
      });
    }
    assert.equal(M.liveExplorerCount(), 0);
  });
});

// ---- memory -------------------------------------------------------------------------------------

describe('memory', () => {
  test('a header announcing 100000x2048x2048 float32 (too wide to stream even in passes) is refused before any data, with size and limit', () => {
    withExplorer((ex) => {
      ex.beginFile(0, 0);
      assert.throws(() => ex.feed(npy('<f4', [100000, 2048, 2048])), {
        message:
          'too large to load: 100000 images of 2048x2048 pixels as float32 need 1677.72 GB (1677721600000 bytes), ' +
          'and this page can hold at most 4.29 GB (4294967296 bytes, the memory limit of WebAssembly); ' +
          'it cannot be streamed either: the top-K fit of images of 4194304 values (50 components, in passes ' +
          'over the file) needs 13.44 GB of working memory, more than the 4.29 GB a page can hold',
        code: 'too_large',
      });
    });
  });

  test('out of memory inside the module is an Error with the size and the limit, and the module goes on', () => {
    // 536739840 images of 1x2 float32: 4 GB minus 1 MB, under the up-front limit (their fit needs
    // a few bytes), but more than the heap can ever add to what it already holds. (Wide images that
    // large leave no room for their fit and are refused at the header.) One whole image makes the
    // stack be allocated.
    const header = npy('<f4', [536739840, 1, 2]);
    const oneImage = new Uint8Array(1 * 2 * 4);
    withExplorer((ex) => {
      assert.equal(load(ex, PREVIOUS), '');
      ex.beginFile(0, 0);
      ex.feed(header);
      assert.throws(
        () => ex.feed(oneImage),
        (error) => {
          assert.ok(error instanceof Error && !(error instanceof WebAssembly.RuntimeError));
          assert.equal(
            error.message,
            'not enough memory to hold 536739840 images of 1x2 pixels as float32 (4293918720 bytes, 4.29 GB); ' +
              'this page can hold at most 4.29 GB (4294967296 bytes, the memory limit of WebAssembly) in all',
          );
          assert.equal(error.code, 'out_of_memory');
          return true;
        },
      );
      assert.equal(ex.info().samples, 3, 'the previous stack stays');
      ex.fit(0);
      assert.equal(ex.model().nComponents, 3);
      assert.equal(load(ex, npy('<f4', [2, 1, 2], new Float32Array([1, 2, 3, 5]))), '');
      ex.fit(0);
      assert.equal(ex.model().nComponents, 2);
    });
    assert.equal(M.liveExplorerCount(), 0);
  });

  test('a file shorter than its header says is refused at the header when its size is known', () => {
    withExplorer((ex) => {
      ex.beginFile(0, 0);
      const header = npy('|u1', [4095, 128, 128]);
      ex.expectFileSize(header.length + 10);
      assert.throws(() => ex.feed(header), { message: 'file is truncated: expected 67092480 data bytes, found 10' });
      assert.throws(() => ex.expectFileSize(-1), { message: /no file is being read|file size must be 0 or more/ });
    });
  });
});

// ---- real faults ---------------------------------------------------------------------------------

describe('faults inside the module', () => {
  for (const [kind, pattern] of [
    ['abort', /Aborted/],
    ['trap', /unreachable/],
  ]) {
    test(`debugFault('${kind}') is a WebAssembly.RuntimeError the worker can tell from an Error`, async () => {
      let aborted = null;
      const doomed = await shared.startModule({ onAbort: (what) => (aborted = String(what)), printErr: () => {} });
      assert.throws(
        () => doomed.debugFault(kind),
        (error) => error instanceof WebAssembly.RuntimeError && pattern.test(error.message),
      );
      if (kind === 'abort') assert.notEqual(aborted, null);
      // The instance used by the other tests is unharmed.
      withExplorer((ex) => assert.equal(load(ex, PREVIOUS), ''));
    });
  }
  test('an unknown fault kind is an ordinary Error', () => {
    assert.throws(() => M.debugFault('nothing'), { message: "debugFault: unknown fault (use 'abort' or 'trap')", code: 'bad_input' });
  });
});
