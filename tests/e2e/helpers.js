// Shared helpers of the end-to-end tests: one headless Chromium per test file, the page opened
// from file:// and from a server on 127.0.0.1, a recorder of every request (page and workers),
// fixtures written by NumPy and references computed by scikit-learn.
'use strict';

const assert = require('node:assert/strict');

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');
const probes = require('./page-probes');
const { allowedUrl } = probes;

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');
const PYTHON = '/usr/bin/python3'; // Debian's, with numpy and scikit-learn
const FIXTURES = path.join(__dirname, 'fixtures.py');
const DEFAULT_DATASET = path.join(DIST, 'fashion-mnist-sample.npy');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

// Debian's Chromium, headless, as every Chromium test and benchmark starts it (a benchmark may
// add arguments: tests/bench/playback.js --uncapped).
function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS.concat(extraArgs) });
}

function launchBrowser(extraArgs = []) {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error('dist/index.html is missing: run scripts/build web first');
  }
  return launchChromium(extraArgs);
}

// Serves dist/ on 127.0.0.1 with a free port, in process (sirv, as scripts/serve.mjs does).
async function startServer() {
  const { default: sirv } = await import('sirv');
  const serve = sirv(DIST, { dev: true, etag: true });
  const server = http.createServer((req, res) =>
    serve(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/index.html`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const FILE_URL = pathToFileURL(path.join(DIST, 'index.html')).href;

// The two ways to open the page that the tests cover.
async function targets() {
  const server = await startServer();
  return {
    list: [
      { name: 'file://', url: FILE_URL },
      { name: 'http://127.0.0.1', url: server.url },
    ],
    close: server.close,
  };
}

// A fresh context and page with every request recorded (route + request events cover the page
// and its workers); requests that leave file:, data:, blob: and 127.0.0.1 are aborted and listed.
// initScript: a function run in the page before its own scripts (e.g. a debug switch).
async function openPage(browser, url, { viewport = { width: 1280, height: 800 }, initScript = null } = {}) {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  if (initScript) await context.addInitScript(initScript);
  const requests = [];
  const consoleErrors = [];
  await context.route('**/*', (route) => {
    const requestUrl = route.request().url();
    requests.push({ via: 'route', url: requestUrl });
    if (allowedUrl(requestUrl)) route.continue();
    else route.abort();
  });
  context.on('request', (request) => requests.push({ via: 'context', url: request.url() }));
  const page = await context.newPage();
  page.on('request', (request) => requests.push({ via: 'page', url: request.url() }));
  page.on('worker', (worker) => {
    worker.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`[worker] ${message.text()}`);
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  await page.goto(url);
  return {
    context,
    page,
    requests,
    consoleErrors,
    forbiddenRequests: () => requests.filter((r) => !allowedUrl(r.url)),
    close: () => context.close(),
  };
}

// Waits until the figure has been drawn at least `atLeast` times and the worker is idle.
async function waitForFigure(page, atLeast = 1, timeout = 60000) {
  await page.waitForFunction(
    (n) => Number(document.body.dataset.figureVersion || 0) >= n && document.body.dataset.busy !== 'true',
    atLeast,
    { timeout },
  );
}

// The page from file:// only (the offline path; one page load for a whole test file), opened
// at `hash` (e.g. '#colormap=viridis'), once its first figure is drawn.
async function openFilePage(browser, hash = '') {
  const session = await openPage(browser, `${FILE_URL}${hash}`);
  await waitForFigure(session.page, 1);
  return session;
}

// Waits until the page has painted `count` more animation frames: "nothing moves after this"
// checks wait on frames the browser actually drew, not on a clock that a busy machine outruns.
async function animationFrames(page, count = 10) {
  await page.evaluate(
    (n) =>
      new Promise((resolve) => {
        let left = n;
        const tick = () => (--left <= 0 ? resolve(undefined) : requestAnimationFrame(tick));
        requestAnimationFrame(tick);
      }),
    count,
  );
}

async function figureVersion(page) {
  return page.evaluate(() => Number(document.body.dataset.figureVersion || 0));
}

async function datasetVersion(page) {
  return page.evaluate(() => Number(document.body.dataset.datasetVersion || 0));
}

async function errorVersion(page) {
  return page.evaluate(() => Number(document.body.dataset.errorVersion || 0));
}

// What the figure shows now (page-probes.js): each panel's pictures, the frame, and the values
// plotly computed for the three image panels as rows.
function figureSnapshot(page) {
  return page.evaluate(probes.figureSnapshot);
}

// Hovers the mouse over an image panel ('xy', 'x2y2', 'x3y3') at a fraction (fx, fy) of its picture
// and returns plotly's hover label: {text, fill} (its text and its box colour); the mouse then
// leaves the figure.
async function hoverPanel(page, id, fx = 0.6, fy = 0.6) {
  const box = await page.locator(`#figure .subplot.${id} image`).first().boundingBox();
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
  const label = await page
    .waitForFunction(() => {
      const hover = document.querySelector('#figure .hoverlayer .hovertext');
      return hover && { text: hover.textContent, fill: hover.querySelector('path').style.fill };
    })
    .then((handle) => handle.jsonValue());
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => !document.querySelector('#figure .hoverlayer .hovertext'));
  return label;
}

// The pixels plotly painted for each image panel: its <image> element's picture drawn on a canvas
// (an <image> href is a data: or blob: URL of the rendered picture), as {width, height, data}
// summaries: how many pixels have red != green, how many distinct colours, and the RGBA bytes.
async function renderedPictures(page) {
  return page.evaluate(probes.picturePixels);
}

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function writeFixtures(dir) {
  execFileSync(PYTHON, [FIXTURES, 'write', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return (name) => path.join(dir, name);
}

// One of fixtures.py's larger files, written only by the tests that need it: 'big' (slow to fit)
// or 'split' (fitted by both workers). Returns its path.
function writeLargeFixture(dir, name) {
  execFileSync(PYTHON, [FIXTURES, `write-${name}`, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(dir, `${name}.npy`);
}

// scikit-learn's reconstruction of sample `index` from the first k components, for each k.
function sklearnReference(npy, index, nComponents, ks) {
  const out = execFileSync(PYTHON, [FIXTURES, 'reference', npy, String(index), String(nComponents), ks.join(',')], {
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out.toString());
}

// Largest |a - b| over two images given as nested rows (a; an RGB pixel is an [r, g, b] entry)
// and a flat row-major list (b).
function maxAbsDiff(rows, flat) {
  let worst = 0;
  let i = 0;
  for (const row of rows) {
    for (const entry of row) {
      for (const value of typeof entry === 'number' ? [entry] : entry) {
        worst = Math.max(worst, Math.abs(value - flat[i]));
        i += 1;
      }
    }
  }
  if (i !== flat.length) throw new Error(`size mismatch: ${i} values shown, ${flat.length} expected`);
  return worst;
}

// Drops a file on the page as a visitor would: a synthetic drop event whose DataTransfer holds
// a File built in the page from the bytes given.
async function dropFile(page, file) {
  const bytes = fs.readFileSync(file);
  await page.evaluate(
    ({ name, base64 }) => {
      const binary = atob(base64);
      const data = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i);
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type: 'application/octet-stream' }));
      const target = document.getElementById('drop-zone');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      }
    },
    { name: path.basename(file), base64: bytes.toString('base64') },
  );
}

async function pickFile(page, file) {
  await page.setInputFiles('#file-input', file);
}

// The closing check of every page test: no request left the machine and nothing went wrong on
// the page or in its workers (a CSP violation or an uncaught error shows as a console error).
function assertStayedLocal(session, where = '') {
  const suffix = where ? ` (${where})` : '';
  assert.deepEqual(session.forbiddenRequests(), [], `no request may leave the machine${suffix}`);
  assert.deepEqual(session.consoleErrors, [], `no console errors${suffix}`);
}

function saveScreenshotPath(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

// Watches every animation frame (what the browser is about to paint) for an image panel with no
// picture (a visible blink) or with two, until stopPaintWatch; polling from node could miss them.
async function startPaintWatch(page) {
  await page.evaluate(probes.startPaintWatch);
}

// {ticks, blank, extra, ks}: frames sampled, how many of them had a panel without / with two
// pictures, and the k values shown.
function stopPaintWatch(page) {
  return page.evaluate(probes.stopPaintWatch);
}

// Presses the figure's Play button and plays to lastK, snapshotting the figure at each change of
// frame that node sees (each snapshot goes to check) while every animation frame is watched in
// the page for an empty or doubled panel and for the k shown. Returns {snapshot (the last), seen
// (the k values painted: the page's own record, which a snapshot polled from node can miss when
// the machine is busy), paint (stopPaintWatch's counts)}.
async function playWatched(page, lastK, check) {
  await startPaintWatch(page);
  await page.locator('#figure .updatemenu-button', { hasText: 'Play' }).click();
  const polled = new Set();
  let snapshot = null;
  for (let i = 0; i < 200; i++) {
    snapshot = await figureSnapshot(page);
    check(snapshot);
    polled.add(snapshot.k);
    if (snapshot.k === lastK && (await page.getAttribute('body', 'data-playing')) === 'false') break;
    await page.waitForFunction(
      (shown) => Number(document.body.dataset.frameK) !== shown || document.body.dataset.playing === 'false',
      snapshot.k,
      { polling: 'raf' },
    );
  }
  const paint = await stopPaintWatch(page);
  return { snapshot, seen: new Set([...paint.ks, ...polled]), paint };
}

module.exports = {
  hoverPanel,
  startPaintWatch,
  stopPaintWatch,
  playWatched,
  DEFAULT_DATASET,
  launchChromium,
  launchBrowser,
  targets,
  openPage,
  openFilePage,
  waitForFigure,
  animationFrames,
  figureVersion,
  datasetVersion,
  errorVersion,
  figureSnapshot,
  renderedPictures,
  tempDir,
  writeFixtures,
  writeLargeFixture,
  sklearnReference,
  maxAbsDiff,
  dropFile,
  pickFile,
  saveScreenshotPath,
  assertStayedLocal,
};
