// The page's controller: state transitions, worker calls and wiring. DOM lookups happen once, in
// `dom` (page-elements.js); the UI state lives in the one object made by state.js; every
// computation goes to the worker through worker-client.js. The UI pieces (status-panel, controls-panel, npz-chooser,
// shape-field, dataset-panels, file-drop, figure-keys, figure-view, export) get their elements
// from `dom`, show what they are given and report the visitor's actions through callbacks; the
// figure on screen has its own controller (figure-controller.js), given its elements the same way.
import { Request, ErrorCode } from '../shared/protocol.js';
import { required, plotlyLoaded, loadWorkerScripts } from './generated.js';
import { defaultSource, sendAhead, attachBuiltIn } from './builtin-dataset.js';
import { firstVisitReplies } from './first-visit.js';
import { WorkerClient } from './worker-client.js';
import { DEFAULTS, createState, update } from './state.js';
import { FigureView } from './figure-view.js';
import { ExportControls } from './export.js';
import * as UrlState from './url-state.js';
import { StatusPanel } from './status-panel.js';
import { ControlsPanel } from './controls-panel.js';
import { NpzChooser } from './npz-chooser.js';
import { ShapeField } from './shape-field.js';
import { loadFailureMessages } from './load-messages.js';
import * as Panels from './dataset-panels.js';
import { bindFileDrop } from './file-drop.js';
import { bindFigureKeys } from './figure-keys.js';
import { createDatasetViews } from './dataset-views.js';
import { createViewOptions } from './view-options.js';
import { exposeDebugSurface } from './debug-surface.js';
import { createThumbnailStrip } from './thumbnail-strip.js';
import * as Theme from './theme.js';
import { colourParams, figureParams, createFigureController } from './figure-controller.js';
import { dom } from './page-elements.js';
import { fitOf, mostComponents, componentsAtHand } from './dataset-components.js';

// ---- state, view, worker ------------------------------------------------------------------
const state = createState();
let workerHolds = 'none'; // what the worker's Explorer holds: 'current' (state.dataset), 'other', 'none'
let restoring = false;
// LOAD's stream settings (the tests lower the budget with debug.setStreamAboveBytes).
const streamSettings = { aboveBytes: DEFAULTS.streamAboveBytes, windowBytes: DEFAULTS.streamWindowBytes, split: true };
// The phases of the last load and the last figure refresh, in ms (read by scripts/bench).
const timings = { load: null, figure: null, draw: null };

// Progress, error and notice: the panel shows them; state.busy, .error and .notice keep them.
const statusPanel = new StatusPanel(dom.status, {
  onCancel: () => {
    if (state.busy) client.cancel(state.busy.requestId);
  },
  formatBytes: Panels.gigabytes,
});

const view = new FigureView(dom.figure, {
  onFrame: (frame) => {
    update(state, { frame });
    renderFrame();
  },
});

// The figure on screen (figure-controller.js): drawn, redrawn as the view changes, said in words.
// Made before the pieces it calls after a drawing (downloads, dataset views), which ask it what is
// on screen from their start.
const figure = createFigureController({
  dom: { body: dom.body, frameStatus: dom.frameStatus, distortionText: dom.distortionText },
  state,
  view,
  call,
  ask: (type, payload, label) => send(type, payload, label).promise, // no progress bar: figures asked for ahead
  exclusive,
  timings,
  setMessages,
  holdsCurrent: () => workerHolds === 'current',
  scheduleRestore,
  yieldWorker: () => datasetViews.pauseMeasuring(),
  beforeDraw: (drawn, params) => datasetViews.beforeDraw(drawn, params),
  onShown: () => exportControls.refresh(),
  afterDraw: (params, measured) => {
    if (!varianceAfterPaint) renderVariance();
    datasetViews.afterDraw(params, measured);
  },
});

// Download HTML / JSON / PNG of the figure on screen (export.js), at the speed and frame shown.
const exportControls = new ExportControls(
  Object.assign({}, dom.exports, {
    figureDiv: dom.figure,
    current: () => figure.shown() && Object.assign(figure.shown(), { k: state.frame.k }),
    plainFigureJson: async (shown) => {
      await attaching.catch(() => {}); // a first visit's worker holds the figure's dataset from then on
      const { sampleIndex, nComponents, step, frameDurationMs, datasetName } = shown;
      const params = Object.assign({ sampleIndex, nComponents, step, frameDurationMs, binaryArrays: false }, colourParams(shown));
      return (await call(Request.FIGURE, params, datasetName)).json;
    },
    // The HTML and GIF downloads' whole figure (base64 arrays): built again on demand, as the
    // page's own figure travels with its pictures apart.
    figureJson: async (shown) => {
      await attaching.catch(() => {});
      const { sampleIndex, nComponents, step, frameDurationMs, datasetName } = shown;
      const params = Object.assign({ sampleIndex, nComponents, step, frameDurationMs }, colourParams(shown));
      return (await call(Request.FIGURE, params, datasetName)).json;
    },
    onError: (message) => setMessages({ error: message }),
    onNotice: (message) => setMessages({ notice: message }),
  }),
);

// The .npz array chooser draws itself; what it offers is state.chooser.
const npzChooser = new NpzChooser(Object.assign({ returnFocus: dom.fileInput }, dom.chooser), {
  onLoad: loadChosen,
  onCancel: cancelChooser,
});

// The (N, D) image-shape field; the file it applies to is state.shapeFile.
const shapeField = new ShapeField(dom.shape, {
  onApply: applyShape,
  onInvalid: (error) => setMessages({ error, notice: null }),
});

// Sample, K, step and speed: the panel shows state and reports the visitor's changes.
const controls = new ControlsPanel(dom.controls, {
  onSample: setSample,
  onSampleBy: (delta) => setSample(state.sampleIndex + delta),
  onComponents: setComponents,
  onStep: setStep,
  onSpeed: setSpeed,
});

// The theme and the colour maps, scale and clipping of gray images (view-options.js).
const viewOptions = createViewOptions({
  dom: { themeSwitch: dom.themeSwitch, colour: dom.colour, charts: [dom.figure, dom.variance.chart] },
  state,
  renderHash,
  refreshFigure: () => figure.refresh(),
});

// Its worker starts on the first request: after a first visit's figure is painted.
const client = new WorkerClient(() => required('PCA_WORKER_SOURCE'), {
  // A fresh worker holds nothing: reload the dataset on screen (also when the old worker died
  // while idle, with no request to report it).
  onRestart: (reason, { fatal }) => {
    workerHolds = 'none';
    if (fatal) {
      console.warn('pca worker restarted after a fatal error:', reason);
      setMessages({ error: `The computation stopped (${reason}). A fresh engine was started and your data reloaded.` });
    }
    scheduleRestore();
  },
  onFitCount: (n) => {
    update(state, { fitCount: n });
    dom.body.dataset.fitCount = String(n);
  },
});

// One worker job at a time, in order (the worker answers one request at a time anyway).
let queue = Promise.resolve();
function exclusive(job) {
  const run = queue.then(job, job);
  queue = run.catch(() => {});
  return run;
}

// Once per page, after its first dataset, behind the figures asked for ahead: the workers' small
// fit of their own (worker/warm-up.js), so that a visitor's first file is fitted by code the
// browser has optimised (a first drop fitted ~0.5 s slower than later ones: README). No progress
// bar: the visitor did not ask for it. Sent, not waited for, in the page's queue: a file dropped
// meanwhile shows its progress bar at once, and the worker reads it right after (WebKit's warm-up
// took about 0.5 s). Once per worker: a fresh one (a restart: a new file's Cancel, a fault) is
// warmed up again after the dataset it shows next.
let warmedUp = -1; // the worker (client.generation) asked to warm up, or about to be
let warmUps = 0; // WARM_UP requests sent (the tests)
function warmUpOnce() {
  if (warmedUp === client.generation) return;
  warmedUp = client.generation;
  exclusive(async () => {
    // the worker it was asked for (a restart meanwhile: the next dataset asks for the new one)
    if (warmedUp !== client.generation) return;
    warmUps++;
    send(Request.WARM_UP, {}, 'warm-up').promise.catch(() => {});
  });
}

// Sends one request, showing its phase in the progress bar while it runs.
function call(type, payload, label) {
  return follow(send(type, payload, label), label);
}

// Sends a request; its progress shows once the page follows it (follow).
function send(type, payload, label) {
  const request = client.request(type, payload, {
    onProgress: (p) => {
      if (state.busy && state.busy.requestId === request.id)
        setBusy({ requestId: request.id, phase: p.phase, done: p.done, total: p.total, label });
    },
  });
  return request;
}

// Waits for a request sent, showing it in the progress bar until it is answered.
async function follow({ id, promise }, label) {
  setBusy({ requestId: id, phase: null, done: 0, total: 0, label });
  try {
    return await promise;
  } finally {
    if (state.busy && state.busy.requestId === id) setBusy(null);
  }
}

// The dataset views (dataset-views.js): worst images, mean distortion, component range, grid.
const datasetViews = createDatasetViews({
  dom: { body: dom.body, figure: dom.figure, worst: dom.worst, range: dom.range, grid: dom.grid },
  state,
  call,
  exclusive,
  setMessages,
  setSample,
  holdsCurrent: () => workerHolds === 'current',
  shownK: () => figure.shownK(),
  cancelRequest: (id) => client.cancel(id),
  stopRequest: (id) => client.stopSoon(id),
  componentsAtHand,
});

// The strip of thumbnails under the controls (thumbnail-strip.js).
const thumbnails = createThumbnailStrip({
  container: dom.controls.thumbs,
  state,
  call,
  exclusive,
  setMessages,
  holdsCurrent: () => workerHolds === 'current',
});

// ---- loading a dataset --------------------------------------------------------------------
let currentLoad = null; // {requestId} while a file is being read

async function openFile(file) {
  if (!file) return;
  const imageShape = shapeField.read(); // for an (N, D) file; false: the field is wrong, and says so
  if (imageShape === false) return;
  // A new file replaces a load under way.
  if (state.busy && currentLoad) client.cancel(state.busy.requestId);
  showChooser(null);
  await loadDataset({ source: file, name: file.name || 'the file', builtIn: false, imageShape });
}

// dataset: a file's {source, name, builtIn, imageShape, member}; a function making one once the
// worker's scripts are there (defaultSource); or a first visit's {made, name, builtIn}: made, the
// replies made at build time (first-visit.js), drawn before any worker starts.
// restoreOf: a restore's dataset (state.dataset when the restore was asked for).
function loadDataset(given, { restore = false, restoreOf = null } = {}) {
  datasetViews.cancelMeasuring(); // the new file need not wait for it
  figure.cancelAhead(); // nor for the figures of the views next to the one on screen
  const t0 = performance.now();
  const mark = (phase) => (timings.load[phase] = performance.now() - t0);
  return exclusive(async () => {
    // Another file came after the restore was asked for (a new file's cancel can restart the
    // worker, which asks for one) and is on screen, held: restoring would put the old one back.
    if (restore && (state.dataset !== restoreOf || workerHolds === 'current')) return;
    let dataset = typeof given === 'function' ? { name: 'the built-in sample', builtIn: true } : given;
    timings.load = { name: dataset.name, queued: performance.now() - t0 };
    if (!restore) setMessages({ error: null, notice: null });
    try {
      if (!given.made) await loadWorkerScripts();
      if (typeof given === 'function') dataset = given();
      timings.load.name = dataset.name;
      const replies = dataset.made || (await workerReplies(dataset, restore, mark));
      if (!replies) return; // a .npz whose array the visitor picks (the chooser is shown)
      const { info, fitted, summary, params, parts } = replies;
      // An exact fit that found only its K pairs: every eigenvalue (for the variance chart) is
      // made while the figure is drawn.
      const spectrum = summary.spectrumLater ? send(Request.SPECTRUM, {}, dataset.name) : null;
      const { fitMs: fitInWorker, workers: fitWorkers, helperWaitMs, solver, passes } = fitted;
      Object.assign(timings.load, { fitInWorker, fitWorkers, helperWaitMs, solver, passes });
      await plotlyLoaded(); // the first load runs while plotly.js parses (index.html)
      mark('plotly');
      update(state, {
        dataset: Object.assign({}, dataset, summary, { info }, fitOf(fitted)),
        sampleIndex: params.sampleIndex,
        nComponents: params.nComponents,
        step: params.step,
        thumbnails: null,
      });
      workerHolds = dataset.made ? 'none' : 'current';
      varianceAfterPaint = true; // the figure first: the chart is for after playing starts
      await figure.show(parts, params);
      mark('drawn');
      Object.assign(timings.load, timings.draw);
      requestAnimationFrame(() => mark('firstPaint'));
      renderDataset();
      shapeLoaded();
      if (varianceAfterPaint) await busyUntilPainted(dataset.name);
      revealPage(); // after a first visit's figure is painted, before the chart in a panel it hides
      if (spectrum) completeSpectrum(await follow(spectrum, dataset.name).catch(() => null));
      if (varianceAfterPaint) {
        varianceAfterPaint = false;
        renderVariance();
      }
      if (dataset.made) {
        // Its worker, now that it cannot slow plotly.js down; the page is busy until it holds the sample.
        setBusy({ requestId: NOT_A_REQUEST, phase: null, done: 0, total: 0, label: dataset.name });
        attaching = attachBuiltIn(state.dataset, (type, payload) => call(type, payload, dataset.name), streamSettings);
        await attaching;
        workerHolds = 'current';
        mark('attached');
      }
      afterPaint(() => client.startHelper()); // for what comes next, once painted
      await thumbnails.show();
      dom.body.dataset.datasetVersion = String(Number(dom.body.dataset.datasetVersion || 0) + 1);
      figure.prepareAhead(); // the next sample's and K's figures, while the visitor looks
      warmUpOnce();
    } catch (error) {
      currentLoad = null;
      revealPage(); // the message is in the controls
      varianceAfterPaint = false; // a later figure draws the chart
      setMessages(loadFailureMessages(dataset, error, { restore, showing: state.dataset ? state.dataset.name : null }));
      if (!restore && error.code !== ErrorCode.CANCELLED) shapeFailed(dataset, error);
      dom.body.dataset.errorVersion = String(Number(dom.body.dataset.errorVersion || 0) + 1);
    }
    if (workerHolds !== 'current') scheduleRestore();
  });
}

// The worker's replies for a load: {info, fitted, summary, params, parts, ahead}, or null when a
// .npz's array is to be chosen. The built-in sample's requests go at once (sendAhead).
async function workerReplies(dataset, restore, mark) {
  if (!dataset.fitted) client.startHelper(); // for the fit (the built-in sample's is made)
  currentLoad = {};
  const loading = send(
    Request.LOAD,
    {
      source: dataset.bytes ? { bytes: dataset.bytes } : dataset.source,
      chunkBytes: DEFAULTS.chunkBytes,
      imageShape: dataset.imageShape,
      member: dataset.member,
      stream: Object.assign({}, streamSettings),
      fitted: dataset.fitted, // the built-in sample's model, made at build time
    },
    dataset.name,
  );
  const ahead =
    dataset.builtIn && !state.dataset ? sendAhead(send, dataset.name, (expected, k) => initialParams(expected, k, restore)) : null;
  const loaded = await follow(loading, dataset.name);
  timings.load.streamWorkers = loaded.streamWorkers || 0;
  currentLoad = null;
  if (loaded.choose) {
    // A .npz with several stacks of images: nothing was loaded; the visitor picks one.
    showChooser({ dataset, members: loaded.choose.members, basis: loaded.choose.basis });
    return null;
  }
  const { info } = loaded;
  workerHolds = 'other';
  mark('read');
  const fitted = ahead
    ? await follow(ahead.fit, dataset.name)
    : await call(Request.FIT, { nComponents: initialParams(info, Infinity, restore).nComponents }, dataset.name);
  mark('fit');
  const summary = ahead
    ? await follow(ahead.summary, dataset.name)
    : await call(Request.SUMMARY, { gallery: DEFAULTS.gallery }, dataset.name);
  const params = initialParams(info, summary.nComponents, restore);
  mark('summary');
  const parts =
    ahead && sameParams(ahead.params, params)
      ? await follow(ahead.figure, dataset.name)
      : await call(Request.FIGURE, Object.assign({ parts: true }, params), dataset.name);
  mark('figure');
  return { info, fitted, summary, params, parts, ahead: ahead !== null };
}

// A first visit's worker being given the sample on screen (attachBuiltIn): the downloads wait for it.
let attaching = Promise.resolve();

// index.html starts as html.starting: until the first figure is painted, only the header and the
// figure's box are laid out and painted (style.css). A first load through the worker (a link's
// view) shows its progress in the controls: the page is shown at once then.
const starting = () => document.documentElement.classList.contains('starting');
function revealPage() {
  if (!starting()) return;
  document.documentElement.classList.remove('starting');
  if (state.dataset) renderPanelsBelow(); // drawn once shown: not in the first figure's task
}

// After a load the variance chart (a second plotly chart, 80–130 ms for Fashion-MNIST's 784
// components, as long to draw as the figure) waits until the figure is painted; the page says it
// is busy meanwhile (data-busy), as it is.
let varianceAfterPaint = false;
const NOT_A_REQUEST = 0; // request ids start at 1: Cancel finds nothing to stop
async function busyUntilPainted(label) {
  setBusy({ requestId: NOT_A_REQUEST, phase: null, done: 0, total: 0, label });
  await new Promise((resolve) => afterPaint(() => resolve(undefined)));
  if (state.busy && state.busy.requestId === NOT_A_REQUEST) setBusy(null);
}

function sameParams(a, b) {
  return Object.keys(b).every((key) => a[key] === b[key]) && Object.keys(a).length === Object.keys(b).length;
}

// After the worker was restarted or left holding another stack, reload the dataset on screen
// (once: a dataset that cannot be restored is not retried in a loop).
function scheduleRestore() {
  if (!state.dataset || restoring) return;
  restoring = true;
  const dataset = state.dataset;
  setTimeout(() => {
    const again = {
      source: dataset.source,
      bytes: dataset.bytes,
      fitted: dataset.fitted, // the built-in sample's model: a restore fits nothing either
      name: dataset.name,
      builtIn: dataset.builtIn,
      imageShape: dataset.imageShape,
      member: dataset.member,
    };
    loadDataset(again, { restore: true, restoreOf: dataset }).finally(() => {
      restoring = false;
    });
  }, 0);
}

// ---- rendering state into the DOM (the dataset's panels: dataset-panels.js) -------------------
function renderDataset() {
  const dataset = state.dataset;
  if (!dataset) return;
  const { info } = dataset;
  Panels.renderHeading(dom.heading, dataset);
  dom.body.dataset.streamed = info.streamed ? 'true' : 'false';
  controls.setLimits(info.samples, mostComponents(dataset));
  renderControls();
  viewOptions.renderColour();
  if (!starting()) renderPanelsBelow(); // else once shown (revealPage)
}

function renderPanelsBelow() {
  Panels.renderEigenImages(dom.eigen, state.dataset);
  datasetViews.renderWorst();
}

function renderControls() {
  controls.render(state, state.dataset ? state.dataset.info.samples : 0);
  renderHash();
}

function renderFrame() {
  dom.playButton.textContent = state.frame.playing ? 'Pause' : 'Play';
  dom.playButton.disabled = !state.frame.count;
  figure.announceFrame();
  dom.body.dataset.frameIndex = String(state.frame.index);
  dom.body.dataset.frameK = String(state.frame.k);
  dom.body.dataset.playing = String(state.frame.playing);
}

// Only when the dataset or K changed: a new sample leaves the chart as it is (redrawing it took
// a good part of a sample change's time).
let varianceShown = { dataset: null, nComponents: -1 };
// SPECTRUM's answer (null: it failed, the K fitted stay) into the dataset on screen, which stays
// the same dataset (the views' answers for it still hold); its chart is drawn again.
function completeSpectrum(spectrum) {
  if (!spectrum || !state.dataset) return;
  update(state.dataset, Object.assign(spectrum, { spectrumLater: false }));
  varianceShown = { dataset: null, nComponents: -1 };
}
function renderVariance() {
  if (!state.dataset || (varianceShown.dataset === state.dataset && varianceShown.nComponents === state.nComponents)) return;
  // A change of K on the same dataset: the chart (its K mark and range: 50-80 ms of plotly at any
  // panel size) is drawn once the new figure is painted, not before it.
  const later = varianceShown.dataset === state.dataset;
  const shown = (varianceShown = { dataset: state.dataset, nComponents: state.nComponents });
  Panels.renderVariance(dom.variance, state.dataset, state.nComponents, (draw) => {
    const drawChart = () => {
      if (varianceShown !== shown) return; // another K or dataset came meanwhile: its own draw follows
      draw();
      const chart = dom.variance.chart;
      if (Theme.effectiveTheme(state.theme) === 'dark') required('Plotly').relayout(chart, Theme.figureThemeUpdate(chart.layout, 'dark'));
    };
    if (later) afterPaint(drawChart);
    else drawChart();
  });
}

/** Runs `job` once the next paint is done. @param {() => void} job */
function afterPaint(job) {
  requestAnimationFrame(() => setTimeout(job));
}

function setBusy(busy) {
  update(state, { busy });
  dom.body.dataset.busy = busy ? 'true' : 'false';
  statusPanel.showBusy(busy);
}

function setMessages(messages) {
  const { error, notice } = messages;
  if (error !== undefined) update(state, { error });
  if (notice !== undefined) update(state, { notice });
  statusPanel.showMessages(messages);
}

// ---- the array chooser of a .npz (npz-chooser.js) -------------------------------------------
// chooser: {dataset, members, basis} or null (hide).
function showChooser(chooser) {
  update(state, { chooser });
  npzChooser.render(chooser);
}

function loadChosen(member) {
  const chooser = state.chooser;
  if (!chooser) return;
  showChooser(null);
  loadDataset(Object.assign({}, chooser.dataset, { member }));
}

function cancelChooser() {
  const name = state.chooser && state.chooser.dataset.name;
  showChooser(null);
  setMessages({ notice: state.dataset ? `Not loaded: ${name}. Still showing ${state.dataset.name}.` : `Not loaded: ${name}.` });
}

// ---- controls (their keyboard shortcuts: figure-keys.js) -------------------------------------
function setSample(index) {
  if (!state.dataset) return;
  const sampleIndex = UrlState.clampInt(index, 0, state.dataset.info.samples - 1);
  update(state, { sampleIndex });
  renderControls();
  figure.refresh();
  thumbnails.load();
}

function setComponents(k) {
  if (!state.dataset) return;
  const nComponents = UrlState.clampInt(k, 1, mostComponents(state.dataset));
  if (nComponents > state.dataset.nComponents) {
    refitFor(nComponents);
    return;
  }
  update(state, { nComponents, step: UrlState.clampInt(state.step, 1, nComponents) });
  renderControls();
  figure.refresh();
}

function setStep(step) {
  update(state, { step: UrlState.clampInt(step, 1, state.nComponents) });
  renderControls();
  figure.refresh();
}

function setSpeed(ms) {
  update(state, { frameDurationMs: UrlState.clampInt(ms, 0, 60000) });
  renderControls();
  figure.setFrameDuration(state.frameDurationMs);
}

// ---- the fit's K: the top-K solver fitted only the K asked for (dataset-components.js) -------
function refitFor(k) {
  const dataset = state.dataset;
  figure.cancelAhead();
  return exclusive(async () => {
    if (state.dataset !== dataset) return;
    try {
      const fitted = await call(Request.FIT, { nComponents: k }, dataset.name);
      const summary = await call(Request.SUMMARY, { gallery: DEFAULTS.gallery }, dataset.name);
      if (summary.spectrumLater) Object.assign(summary, await call(Request.SPECTRUM, {}, dataset.name));
      update(state, { dataset: Object.assign({}, dataset, summary, fitOf(fitted)) });
      renderDataset();
    } catch (error) {
      setMessages({ error: `Could not fit ${k} components of ${dataset.name}: ${error.message}` });
      dom.body.dataset.errorVersion = String(Number(dom.body.dataset.errorVersion || 0) + 1);
      return;
    }
    setComponents(Math.min(k, state.dataset.nComponents));
  });
}

// ---- the view in the URL hash (url-state.js) -------------------------------------------------
// The hash mirrors sample, K, step and speed, so that a link reopens the same view; the state
// stays in `state`, and url-state.js only converts.

// The view of a dataset just loaded: the one on screen when the engine restarted (restore),
// otherwise the hash's (a shared link, or the view of the previous file), clamped to this file.
function initialParams(info, fitted, restore) {
  const wanted = restore ? state : UrlState.parse(location.hash).view;
  const fallback = { sampleIndex: 0, nComponents: DEFAULTS.nComponents, step: DEFAULTS.step };
  const view = UrlState.clampView(wanted, fallback, { samples: info.samples, components: fitted });
  return Object.assign(view, { frameDurationMs: state.frameDurationMs }, colourParams(state.colour));
}

// Writes the view into the hash with replaceState: no history entry per change, no hashchange
// event, and it works from file:// too. Not before the first dataset: until then the hash the
// page was opened with is still to be applied.
function renderHash() {
  if (!state.dataset) return;
  const options = Object.assign({ theme: state.theme }, state.colour);
  const hash = UrlState.formatOptions(options, UrlState.format(figureParams(state), location.hash));
  if (hash === location.hash) return;
  try {
    history.replaceState(history.state, '', hash || location.pathname + location.search);
  } catch (_) {
    location.replace(hash); // its hashchange applies the same view again: nothing moves
  }
}

// The visitor edited the hash (or the page opened with one): show that view, clamped to the
// dataset on screen; values missing or not numbers keep the view as it is.
function applyHash() {
  const wanted = UrlState.parse(location.hash).view;
  viewOptions.applyOptions(UrlState.parseOptions(location.hash));
  if (wanted.frameDurationMs !== undefined && wanted.frameDurationMs !== state.frameDurationMs) setSpeed(wanted.frameDurationMs);
  if (!state.dataset) return; // a load under way reads the hash once its data is in
  applyHashView(wanted);
  datasetViews.hashApplied(); // after the state took the hash's sample: never the old sample's range
}

/** @param {ReturnType<typeof UrlState.parse>['view']} wanted */
function applyHashView(wanted) {
  const limits = { samples: state.dataset.info.samples, components: mostComponents(state.dataset) };
  const { sampleIndex, nComponents, step } = UrlState.clampView(wanted, state, limits);
  const moved = sampleIndex !== state.sampleIndex;
  if (nComponents > state.dataset.nComponents) {
    // a top-K fit holds fewer components than the link asks for: fit them, as the K control does
    update(state, { sampleIndex, step });
    refitFor(nComponents);
  } else {
    update(state, { sampleIndex, nComponents, step });
    renderControls(); // also writes the hash back, with bad values replaced by the view's
    figure.refresh();
  }
  if (moved) thumbnails.load();
}

// ---- the image shape of (N, D) files (shape-field.js) -----------------------------------------
// A load that failed for want of a shape, or with the shape given, can be retried with another
// shape without a new drop: Apply reads the last file refused (state.shapeFile) again, or the
// (N, D) file on screen.
function shapeFailed(dataset, error) {
  const needsShape = error.code === ErrorCode.NEEDS_IMAGE_SHAPE;
  const retry = !dataset.builtIn && Boolean(needsShape || dataset.imageShape);
  update(state, { shapeFile: retry ? dataset : null });
  if (needsShape) shapeField.reveal();
}

// After a load: nothing to retry.
function shapeLoaded() {
  update(state, { shapeFile: null });
  shapeField.showInferred(state.dataset.info);
}

function applyShape() {
  const imageShape = shapeField.read();
  if (imageShape === false) return;
  const shown = state.dataset && !state.dataset.builtIn && state.dataset.info.shape.length === 2 ? state.dataset : null;
  const target = state.shapeFile || shown;
  if (!target) {
    setMessages({ error: null, notice: 'The image shape applies to (N, D) files: drop one (the data on screen is a stack of images).' });
    return;
  }
  if (state.busy && currentLoad) client.cancel(state.busy.requestId);
  loadDataset({ source: target.source, name: target.name, builtIn: false, imageShape });
}

function wire() {
  window.addEventListener('hashchange', applyHash);
  dom.playButton.addEventListener('click', () => view.toggle());
  viewOptions.wire();
  dom.fileInput.addEventListener('change', () => {
    const file = dom.fileInput.files && dom.fileInput.files[0];
    dom.fileInput.value = ''; // the same file can be chosen again
    openFile(file);
  });
  dom.defaultButton.addEventListener('click', () => {
    showChooser(null);
    loadDataset(defaultSource);
  });

  // A file dropped anywhere opens (file-drop.js); the keys drive the animation (figure-keys.js).
  bindFileDrop(window, dom.body, openFile);
  bindFigureKeys(document, view);
}

// For the end-to-end tests, scripts/bench and the curious (debug-surface.js).
exposeDebugSurface({
  state,
  figureDiv: dom.figure,
  view,
  client,
  timings,
  streamSettings,
  exclusive,
  figuresAhead: figure.ahead,
  warmUps: () => warmUps,
});

wire();
viewOptions.renderTheme();
renderControls();
applyHash(); // the speed of a shared link at once; the rest once the data is in
// A first visit with the default view draws from replies made at build time; a link's view (or a
// page built without them) goes through the worker. The link's K is compared as asked, not
// clamped to the K made at build time: a larger one needs a fit.
const made = firstVisitReplies((raw) => initialParams(raw.load.info, Infinity, false));
if (!made) revealPage();
loadDataset(made ? { made, name: made.name, builtIn: true } : defaultSource);
