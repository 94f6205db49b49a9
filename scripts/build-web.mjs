// Builds the static site into dist/ (called by `scripts/build web`; needs build/wasm/pcarecon.js).
//
// web/ holds ES modules (page/, worker/, shared/); esbuild bundles them into classic scripts
// (IIFE), so the page also works when dist/index.html is opened from disk (file://), where
// Chromium refuses fetch, ES modules and `new Worker(url)`:
//   index.html, style.css              copied from web/
//   app.js                             the page: web/page/app.js and what it imports
//   worker-bundle.js                   self.PCA_WORKER_SOURCE = "<web/worker/main.js bundled, with
//                                      build/wasm/pcarecon.js (wasm inlined) and fflate>": the page
//                                      starts the two workers from a Blob URL
//   vendor/gifenc.js                   self.gifenc (web/page/gifenc-entry.js: npm gifenc, MIT);
//   vendor/webm-muxer.js               self.webmMuxer (web/page/webm-muxer-entry.js: npm webm-muxer, MIT);
//                                      web/page/export.js loads it on the first "Download GIF" only
//   vendor/plotly-cartesian.min.js     plotly.js (npm plotly.js-cartesian-dist-min, MIT)
//   vendor/*-LICENSE.txt               the licences of plotly.js, gifenc and fflate
//   fashion-mnist-sample.npy           the default dataset (downloadable)
//   default-dataset.js                 the same bytes, base64, in a classic script, with the
//                                      sample's PCA computed now (scripts/default-basis.mjs);
//                                      the page loads it, and worker-bundle.js, once its first
//                                      figure is painted
//   first-visit.js                     self.PCA_FIRST_VISIT: the worker's replies for the first
//                                      figure of that sample, made now (scripts/first-visit-replies.mjs),
//                                      from which a first visit draws without a worker
//   export-assets.js                   self.PCA_EXPORT_ASSETS = {template, plotly}: the standalone
//                                      HTML template (wasm/standalone_template.html, the one the
//                                      CLI compiles in) and plotly.js's source text, for "Download
//                                      HTML"; web/page/export.js loads it only then
// What the page reads of these globals is in web/page/generated.js.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { defaultBasis } from './default-basis.mjs';
import { firstVisitReplies } from './first-visit-replies.mjs';
import { DEFAULTS } from '../web/page/state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const dist = path.join(root, 'dist');
const wasmJs = path.join(root, 'build', 'wasm', 'pcarecon.js');
const modules = path.join(root, 'node_modules');
const plotlyDir = path.join(modules, 'plotly.js-cartesian-dist-min');
const python = '/usr/bin/python3'; // Debian's, with numpy
const DEFAULT_DATASET = 'fashion-mnist-sample.npy';
const DEFAULT_SAMPLES = 1000;
const DEFAULT_COMPONENTS = DEFAULTS.nComponents; // the page's K on load
// The view a visit without a hash shows (app.js initialParams with no hash, clamped to the sample).
const DEFAULT_VIEW = {
  sampleIndex: 0,
  nComponents: DEFAULTS.nComponents,
  step: DEFAULTS.step,
  frameDurationMs: DEFAULTS.frameDurationMs,
  ...DEFAULTS.colour,
};

function fail(message) {
  console.error(`build-web: ${message}`);
  process.exit(1);
}

const read = (file) => fs.readFileSync(file, 'utf8');

// `import createPcaRecon from 'pcarecon'` (web/worker/main.js) is the emscripten factory, inside a
// scope where fetch and XMLHttpRequest do not exist: with the wasm inlined (-sSINGLE_FILE) it needs
// neither, and without them it decodes the inlined bytes directly instead of trying (and, under our
// CSP, failing) to fetch a data: URL. Its node-only branch's require('fs'/'path') never runs here.
const pcareconModule = {
  name: 'pcarecon',
  setup(build) {
    build.onResolve({ filter: /^pcarecon$/ }, () => ({ path: wasmJs, namespace: 'pcarecon' }));
    build.onLoad({ filter: /.*/, namespace: 'pcarecon' }, () => ({
      contents: `module.exports = (function (fetch, XMLHttpRequest) {\n${read(wasmJs)}\nreturn createPcaRecon;\n})(undefined, undefined);`,
      loader: 'js',
      resolveDir: path.dirname(wasmJs),
    }));
  },
};

// One classic script (IIFE) from an ES module entry; returns its text.
async function bundle(entry, plugins = []) {
  const result = await esbuild.build({
    entryPoints: [path.join(web, entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    external: ['fs', 'path'],
    legalComments: 'inline',
    minifyWhitespace: true, // the emscripten output, the page's code: smaller than as written
    minifySyntax: true,
    plugins,
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

function copyAssets() {
  fs.copyFileSync(path.join(web, 'index.html'), path.join(dist, 'index.html'));
  fs.copyFileSync(path.join(web, 'style.css'), path.join(dist, 'style.css'));
  const vendor = [
    [path.join(plotlyDir, 'plotly-cartesian.min.js'), 'plotly-cartesian.min.js'],
    [path.join(plotlyDir, 'LICENSE'), 'plotly-LICENSE.txt'],
    [path.join(modules, 'gifenc', 'LICENSE.md'), 'gifenc-LICENSE.txt'],
    [path.join(modules, 'fflate', 'LICENSE'), 'fflate-LICENSE.txt'],
    [path.join(modules, 'webm-muxer', 'LICENSE'), 'webm-muxer-LICENSE.txt'],
  ];
  for (const [from, to] of vendor) {
    if (!fs.existsSync(from)) fail(`${path.relative(root, from)} is missing: run scripts/setup`);
    fs.copyFileSync(from, path.join(dist, 'vendor', to));
  }
  fs.writeFileSync(
    path.join(dist, 'export-assets.js'),
    '// Generated by scripts/build-web.mjs: what "Download HTML" inlines (web/page/export.js loads\n' +
      '// this script only when exporting): the standalone page template and plotly.js (MIT licence).\n' +
      `self.PCA_EXPORT_ASSETS = ${JSON.stringify({
        template: read(path.join(root, 'wasm', 'standalone_template.html')),
        plotly: read(path.join(plotlyDir, 'plotly-cartesian.min.js')),
      })};\n`,
  );
}

async function writeDefaultDataset() {
  const npy = path.join(dist, DEFAULT_DATASET);
  execFileSync(python, [path.join(root, 'scripts', 'make-default-dataset.py'), npy, String(DEFAULT_SAMPLES)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const bytes = fs.readFileSync(npy);
  // The first visit fits nothing: the worker takes this model as the fit it would have made.
  const basis = await defaultBasis(wasmJs, new Uint8Array(bytes), DEFAULT_COMPONENTS);
  const dataset = {
    name: DEFAULT_DATASET,
    description: `the first ${DEFAULT_SAMPLES} Fashion-MNIST test images`,
    // N and D (28 × 28): the page asks for its first figure before the load has answered
    samples: DEFAULT_SAMPLES,
    values: 28 * 28,
    base64: bytes.toString('base64'),
    // {fit: {nComponents, solver, passes}, arrays: {components, mean, explained_variance,
    // explained_variance_ratio}: .npy bytes as base64}
    basis: {
      fit: basis.fit,
      arrays: Object.fromEntries(Object.entries(basis.arrays).map(([name, b]) => [name, Buffer.from(b).toString('base64')])),
    },
  };
  fs.writeFileSync(
    path.join(dist, 'default-dataset.js'),
    '// Generated by scripts/build-web.mjs: the default dataset (Fashion-MNIST, (c) Zalando SE, MIT\n' +
      '// licence) as base64, in a classic script so that it loads from file:// too, and its PCA\n' +
      '// (scripts/default-basis.mjs, computed at build time by the same module).\n' +
      `self.PCA_DEFAULT_DATASET = ${JSON.stringify(dataset)};\n`,
  );
  const replies = await firstVisitReplies(wasmJs, {
    name: DEFAULT_DATASET,
    npy: new Uint8Array(bytes),
    fitted: basis,
    params: DEFAULT_VIEW,
    gallery: DEFAULTS.gallery,
    loadOptions: {
      chunkBytes: DEFAULTS.chunkBytes,
      stream: { aboveBytes: DEFAULTS.streamAboveBytes, windowBytes: DEFAULTS.streamWindowBytes, split: true },
    },
  });
  fs.writeFileSync(
    path.join(dist, 'first-visit.js'),
    "// Generated by scripts/build-web.mjs: the worker's replies for the first figure of the default\n" +
      '// dataset (Fashion-MNIST, (c) Zalando SE, MIT licence), made at build time by the same worker\n' +
      '// code and module (scripts/first-visit-replies.mjs); web/page/first-visit.js reads them.\n' +
      `self.PCA_FIRST_VISIT = ${JSON.stringify(replies)};\n`,
  );
}

async function main() {
  if (!fs.existsSync(wasmJs)) fail(`${path.relative(root, wasmJs)} is missing: run scripts/build wasm first`);
  fs.rmSync(dist, { recursive: true, force: true });
  fs.mkdirSync(path.join(dist, 'vendor'), { recursive: true });

  fs.writeFileSync(path.join(dist, 'app.js'), await bundle('page/app.js'));
  fs.writeFileSync(path.join(dist, 'vendor', 'gifenc.js'), await bundle('page/gifenc-entry.js'));
  fs.writeFileSync(path.join(dist, 'vendor', 'webm-muxer.js'), await bundle('page/webm-muxer-entry.js'));
  const workerSource = await bundle('worker/main.js', [pcareconModule]);
  fs.writeFileSync(
    path.join(dist, 'worker-bundle.js'),
    '// Generated by scripts/build-web.mjs: the worker source (web/worker/main.js bundled), started\n' +
      '// from a Blob URL by the page.\n' +
      `self.PCA_WORKER_SOURCE = ${JSON.stringify(workerSource)};\n`,
  );
  copyAssets();
  await writeDefaultDataset();

  const size = (f) => (fs.statSync(path.join(dist, f)).size / 1024).toFixed(0) + ' KiB';
  console.log(
    `build-web: wrote dist/ (app.js ${size('app.js')}, worker-bundle.js ${size('worker-bundle.js')}, ` +
      `default-dataset.js ${size('default-dataset.js')}, first-visit.js ${size('first-visit.js')}, export-assets.js ${size('export-assets.js')}, loaded on export only)`,
  );
}

await main();
