// The page: DOM wiring. DOM lookups happen once, in `dom` below; the UI state lives in the one
// object made by state.js; every computation goes to the worker through worker-client.js.
/* global PcaProtocol, PcaWorkerClient, PcaState, PcaFigureView, PcaCanvasImages, PcaExport */
(function () {
  'use strict';

  const { Request, Phase } = PcaProtocol;
  const { DEFAULTS, createState, update } = PcaState;
  const { FigureView, drawVariance } = PcaFigureView;
  const { makeCanvas, drawGray, drawDiverging, minMax } = PcaCanvasImages;

  // ---- DOM lookups: the one place ----------------------------------------------------------
  const byId = (id) => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`page element #${id} is missing`);
    return element;
  };
  const dom = {
    body: document.body,
    datasetName: byId('dataset-name'),
    streamedNote: byId('streamed-note'),
    dropZone: byId('drop-zone'),
    fileInput: byId('file-input'),
    defaultButton: byId('default-button'),
    busy: byId('busy'),
    progress: byId('progress'),
    progressLabel: byId('progress-label'),
    cancelButton: byId('cancel-button'),
    error: byId('error'),
    notice: byId('notice'),
    prevSample: byId('prev-sample'),
    nextSample: byId('next-sample'),
    sampleInput: byId('sample-input'),
    sampleCount: byId('sample-count'),
    thumbs: byId('thumbs'),
    kInput: byId('k-input'),
    kMax: byId('k-max'),
    stepInput: byId('step-input'),
    speedInput: byId('speed-input'),
    speedOutput: byId('speed-output'),
    figure: byId('figure'),
    varianceChart: byId('variance-chart'),
    varianceSummary: byId('variance-summary'),
    eigenGallery: byId('eigen-gallery'),
    exportHtml: byId('export-html'),
    exportJson: byId('export-json'),
    exportPng: byId('export-png'),
  };

  // ---- state, view, worker ------------------------------------------------------------------
  const state = createState();
  let figureVersion = 0; // incremented after every figure drawn (tests wait on data-figure-version)
  let shownParams = null; // the parameters of the figure on screen
  let shownFigure = null; // {json, datasetName} of the figure on screen, for the downloads
  let workerHolds = 'none'; // what the worker's Explorer holds: 'current' (state.dataset), 'other', 'none'
  let restoring = false;
  // LOAD's stream settings (the tests lower the budget with debug.setStreamAboveBytes).
  const streamSettings = { aboveBytes: DEFAULTS.streamAboveBytes, windowBytes: DEFAULTS.streamWindowBytes, split: true };
  // The phases of the last load and the last figure refresh, in ms (read by scripts/bench).
  const timings = { load: null, figure: null, draw: null };

  const view = new FigureView(dom.figure, {
    onFrame: (frame) => {
      update(state, { frame });
      renderFrame();
    },
  });

  // Download HTML / JSON / PNG of the figure on screen (export.js), at the speed and frame shown.
  const exportControls = new PcaExport.ExportControls({
    html: dom.exportHtml,
    json: dom.exportJson,
    png: dom.exportPng,
    figureDiv: dom.figure,
    current: () => shownFigure && Object.assign({}, shownParams, shownFigure, { k: state.frame.k }),
    plainFigureJson: async (shown) => {
      const { sampleIndex, nComponents, step, frameDurationMs, datasetName } = shown;
      const params = { sampleIndex, nComponents, step, frameDurationMs, binaryArrays: false };
      return (await call(Request.FIGURE, params, datasetName)).json;
    },
    onError: (message) => setMessages({ error: message }),
  });

  const client = new PcaWorkerClient(self.PCA_WORKER_SOURCE, {
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

  // Sends one request, showing its phase in the progress bar while it runs.
  async function call(type, payload, label) {
    const { id, promise } = client.request(type, payload, {
      onProgress: (p) => setBusy({ requestId: id, phase: p.phase, done: p.done, total: p.total, label }),
    });
    setBusy({ requestId: id, phase: null, done: 0, total: 0, label });
    try {
      return await promise;
    } finally {
      if (state.busy && state.busy.requestId === id) setBusy(null);
    }
  }

  // ---- loading a dataset --------------------------------------------------------------------
  function defaultSource() {
    const dataset = self.PCA_DEFAULT_DATASET;
    const binary = atob(dataset.base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return { source: new Blob([bytes]), name: dataset.name, builtIn: true };
  }

  let currentLoad = null; // {requestId} while a file is being read

  async function openFile(file) {
    if (!file) return;
    // A new file replaces a load under way.
    if (state.busy && currentLoad) client.cancel(state.busy.requestId);
    await loadDataset({ source: file, name: file.name || 'the file', builtIn: false });
  }

  function loadDataset(dataset, { restore = false } = {}) {
    const t0 = performance.now();
    const mark = (phase) => (timings.load[phase] = performance.now() - t0);
    return exclusive(async () => {
      timings.load = { name: dataset.name, queued: performance.now() - t0 };
      if (!restore) setMessages({ error: null, notice: null });
      try {
        currentLoad = {};
        const loaded = await call(Request.LOAD, { source: dataset.source, chunkBytes: DEFAULTS.chunkBytes, stream: Object.assign({}, streamSettings) }, dataset.name);
        const { info } = loaded;
        timings.load.streamWorkers = loaded.streamWorkers || 0;
        currentLoad = null;
        workerHolds = 'other';
        mark('read');
        const fitted = await call(Request.FIT, {}, dataset.name);
        mark('fit');
        Object.assign(timings.load, { fitInWorker: fitted.fitMs, fitWorkers: fitted.workers, helperWaitMs: fitted.helperWaitMs });
        const summary = await call(Request.SUMMARY, { gallery: DEFAULTS.gallery }, dataset.name);
        const params = {
          sampleIndex: restore ? clampInt(state.sampleIndex, 0, info.samples - 1) : 0,
          nComponents: restore ? clampInt(state.nComponents, 1, summary.nComponents) : Math.min(DEFAULTS.nComponents, summary.nComponents),
          step: restore ? state.step : DEFAULTS.step,
          frameDurationMs: state.frameDurationMs,
        };
        params.step = clampInt(params.step, 1, params.nComponents);
        mark('summary');
        const { json } = await call(Request.FIGURE, params, dataset.name);
        mark('figure');
        update(state, {
          dataset: Object.assign({}, dataset, summary, { info }),
          sampleIndex: params.sampleIndex,
          nComponents: params.nComponents,
          step: params.step,
          thumbnails: null,
        });
        workerHolds = 'current';
        await showFigure(json, params);
        mark('drawn');
        Object.assign(timings.load, timings.draw);
        requestAnimationFrame(() => mark('firstPaint'));
        renderDataset();
        await fetchThumbnails();
        dom.body.dataset.datasetVersion = String(Number(dom.body.dataset.datasetVersion || 0) + 1);
      } catch (error) {
        currentLoad = null;
        const what = restore ? 'Could not restore' : 'Could not open';
        if (error.cancelled) {
          setMessages({ notice: state.dataset ? `Cancelled. Still showing ${state.dataset.name}.` : 'Cancelled.' });
        } else if (error.fatal) {
          setMessages({ error: `${what} ${dataset.name}: the computation stopped (${error.message}). A fresh engine was started.` });
        } else {
          setMessages({ error: `${what} ${dataset.name}: ${error.message}` });
        }
        dom.body.dataset.errorVersion = String(Number(dom.body.dataset.errorVersion || 0) + 1);
      }
      if (workerHolds !== 'current') scheduleRestore();
    });
  }

  // After the worker was restarted or left holding another stack, reload the dataset on screen
  // (once: a dataset that cannot be restored is not retried in a loop).
  function scheduleRestore() {
    if (!state.dataset || restoring) return;
    restoring = true;
    const dataset = state.dataset;
    setTimeout(() => {
      loadDataset({ source: dataset.source, name: dataset.name, builtIn: dataset.builtIn }, { restore: true }).finally(() => {
        restoring = false;
      });
    }, 0);
  }

  // ---- the figure ---------------------------------------------------------------------------
  function figureParams() {
    return {
      sampleIndex: state.sampleIndex,
      nComponents: state.nComponents,
      step: state.step,
      frameDurationMs: state.frameDurationMs,
    };
  }

  async function showFigure(json, params) {
    const t0 = performance.now();
    const figure = JSON.parse(json);
    const t1 = performance.now();
    await view.draw(figure, { frameDurationMs: params.frameDurationMs });
    timings.draw = { parseMs: t1 - t0, plotMs: performance.now() - t1, jsonBytes: json.length };
    shownParams = params;
    shownFigure = { json, datasetName: state.dataset ? state.dataset.name : 'data' };
    exportControls.refresh();
    figureVersion += 1;
    dom.body.dataset.figureVersion = String(figureVersion);
    renderVariance();
  }

  let refreshTimer = 0;
  function refreshFigure() {
    const t0 = performance.now();
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      exclusive(async () => {
        if (!state.dataset || workerHolds !== 'current') return;
        const params = figureParams();
        if (shownParams && ['sampleIndex', 'nComponents', 'step'].every((key) => shownParams[key] === params[key])) return;
        try {
          const t1 = performance.now();
          const { json } = await call(Request.FIGURE, params, state.dataset.name);
          const t2 = performance.now();
          await showFigure(json, params);
          timings.figure = Object.assign({ waitMs: t1 - t0, figureMs: t2 - t1, totalMs: performance.now() - t0 }, timings.draw);
          requestAnimationFrame(() => (timings.figure.firstPaintMs = performance.now() - t0));
          setMessages({ error: null, notice: null });
        } catch (error) {
          setMessages({ error: error.cancelled ? null : `Could not draw the figure: ${error.message}`, notice: error.cancelled ? 'Cancelled.' : null });
          if (workerHolds !== 'current' || error.fatal || error.cancelled) scheduleRestore();
        }
      });
    }, 16); // coalesces a burst of changes (typing a number) into one figure, within a frame
  }

  // ---- thumbnails and eigen-images ----------------------------------------------------------
  function thumbnailWindow(index) {
    const start = Math.floor(index / DEFAULTS.thumbnails) * DEFAULTS.thumbnails;
    return { start, count: DEFAULTS.thumbnails };
  }

  function loadThumbnails() {
    return exclusive(fetchThumbnails);
  }

  // Inside a job: fetches the strip's images when the strip moves, then draws it.
  async function fetchThumbnails() {
    if (!state.dataset || workerHolds !== 'current') return;
    const wanted = thumbnailWindow(state.sampleIndex);
    if (!state.thumbnails || state.thumbnails.start !== wanted.start) {
      try {
        const thumbnails = await call(Request.IMAGES, wanted, state.dataset.name);
        update(state, { thumbnails });
      } catch (error) {
        if (!error.cancelled) setMessages({ error: `Could not draw the thumbnails: ${error.message}` });
      }
    }
    renderThumbnails();
  }

  // ---- rendering state into the DOM -----------------------------------------------------------
  function renderDataset() {
    const dataset = state.dataset;
    if (!dataset) return;
    const { info } = dataset;
    const shape = `(${info.shape.join(', ')})`;
    dom.datasetName.textContent =
      `${dataset.name}${dataset.builtIn ? ' (built-in sample)' : ''}: ${info.streamed ? info.streamed.totalSamples : info.samples} images of ${info.height}×${info.width}, ` +
      `dtype ${info.dtype}, shape ${shape}, ${dataset.nComponents} components fitted`;
    renderStreamed();
    dom.sampleInput.max = String(info.samples - 1);
    dom.sampleCount.textContent = `of 0–${info.samples - 1}`;
    dom.kInput.max = String(dataset.nComponents);
    dom.kMax.textContent = `max ${dataset.nComponents}`;
    dom.stepInput.max = String(state.nComponents);
    renderControls();
    renderEigenImages();
  }

  // A streamed file (larger than memory): say that the PCA is over all of it and what is kept.
  function renderStreamed() {
    const { info, source } = state.dataset;
    const streamed = info.streamed;
    dom.streamedNote.hidden = !streamed;
    dom.body.dataset.streamed = streamed ? 'true' : 'false';
    dom.streamedNote.textContent = streamed
      ? `${groupDigits(streamed.totalSamples)} images streamed (${gigabytes(source.size)}): PCA over all of them; ` +
        `the first ${groupDigits(streamed.keptSamples)} are kept for display`
      : '';
  }

  // 7650000 -> "7 650 000" (no-break spaces, so a number never wraps).
  function groupDigits(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  }

  function gigabytes(bytes) {
    return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
  }

  function renderControls() {
    dom.sampleInput.value = String(state.sampleIndex);
    dom.kInput.value = String(state.nComponents);
    dom.stepInput.value = String(state.step);
    dom.stepInput.max = String(state.nComponents);
    dom.speedInput.value = String(state.frameDurationMs);
    dom.speedOutput.textContent = `${state.frameDurationMs} ms`;
    const n = state.dataset ? state.dataset.info.samples : 0;
    dom.prevSample.disabled = !n || state.sampleIndex <= 0;
    dom.nextSample.disabled = !n || state.sampleIndex >= n - 1;
  }

  function renderFrame() {
    dom.body.dataset.frameIndex = String(state.frame.index);
    dom.body.dataset.frameK = String(state.frame.k);
    dom.body.dataset.playing = String(state.frame.playing);
  }

  function renderVariance() {
    const dataset = state.dataset;
    if (!dataset) return;
    const cumulative = drawVariance(dom.varianceChart, dataset.explainedVarianceRatio, state.nComponents);
    // No variance at all: ratios are 0, not NaN, and the page says why.
    const noVariance = !(dataset.totalVariance > 0);
    dom.varianceSummary.dataset.noVariance = String(noVariance);
    dom.varianceSummary.textContent = noVariance
      ? 'Every image is identical: there is no variance to explain, so every reconstruction is the mean image.'
      : `The first ${state.nComponents} of ${dataset.nComponents} components explain ${(100 * cumulative).toFixed(1)}% of the variance.`;
  }

  function renderEigenImages() {
    const dataset = state.dataset;
    const { height, width } = dataset.info;
    const size = height * width;
    const items = [];
    const mean = makeCanvas(width, height);
    const [lo, hi] = minMax(dataset.mean);
    drawGray(mean, dataset.mean, 0, width, height, lo, hi);
    items.push([mean, 'mean', 'Mean image']);
    const shown = dataset.components.length / size;
    for (let i = 0; i < shown; i++) {
      const canvas = makeCanvas(width, height);
      drawDiverging(canvas, dataset.components, i * size, width, height);
      const ratio = dataset.explainedVarianceRatio[i];
      items.push([canvas, `PC ${i + 1}`, `Component ${i + 1}: ${(100 * ratio).toFixed(1)}% of the variance`]);
    }
    dom.eigenGallery.replaceChildren(
      ...items.map(([canvas, caption, title]) => {
        const figure = document.createElement('figure');
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', title);
        canvas.title = title;
        const figcaption = document.createElement('figcaption');
        figcaption.textContent = caption;
        figure.append(canvas, figcaption);
        return figure;
      }),
    );
  }

  function renderThumbnails() {
    const t = state.thumbnails;
    if (!t || !state.dataset) {
      dom.thumbs.replaceChildren();
      return;
    }
    const size = t.height * t.width;
    const { valueMin, valueMax } = state.dataset.info;
    const buttons = [];
    for (let i = 0; i < t.count; i++) {
      const index = t.start + i;
      const button = document.createElement('button');
      button.type = 'button';
      button.setAttribute('aria-label', `Sample ${index}`);
      button.title = `Sample ${index}`;
      button.dataset.index = String(index);
      if (index === state.sampleIndex) button.setAttribute('aria-current', 'true');
      const canvas = makeCanvas(t.width, t.height);
      drawGray(canvas, t.pixels, i * size, t.width, t.height, valueMin, valueMax);
      button.append(canvas);
      buttons.push(button);
    }
    dom.thumbs.replaceChildren(...buttons);
  }

  const BUSY_DELAY_MS = 150;
  let busyTimer = 0;

  function setBusy(busy) {
    update(state, { busy });
    dom.body.dataset.busy = busy ? 'true' : 'false';
    clearTimeout(busyTimer);
    if (!busy) {
      dom.busy.hidden = true;
      return;
    }
    // Shown only when the work takes a moment: quick figure rebuilds do not flash a progress bar.
    if (dom.busy.hidden) busyTimer = setTimeout(() => (dom.busy.hidden = !state.busy), BUSY_DELAY_MS);
    const phase = busy.phase || Phase.STARTING;
    const reading = (phase === Phase.READING || phase === Phase.STREAMING) && busy.total > 0;
    let percent = reading ? ` ${Math.floor((100 * busy.done) / busy.total)}%` : '';
    // Streaming takes minutes: bytes done of total, read by both workers.
    if (reading && phase === Phase.STREAMING) percent = ` ${gigabytes(busy.done)} of ${gigabytes(busy.total)} (${percent.trim()})`;
    dom.progressLabel.textContent = `${capitalize(phase)} ${busy.label || ''}…${percent}`;
    if (reading) {
      dom.progress.max = busy.total;
      dom.progress.value = busy.done;
    } else {
      dom.progress.removeAttribute('value'); // indeterminate: a synchronous step in the worker
    }
  }

  function setMessages({ error, notice }) {
    if (error !== undefined) {
      update(state, { error });
      dom.error.hidden = !error;
      dom.error.textContent = error || '';
    }
    if (notice !== undefined) {
      update(state, { notice });
      dom.notice.hidden = !notice;
      dom.notice.textContent = notice || '';
    }
  }

  // ---- controls -----------------------------------------------------------------------------
  function setSample(index) {
    if (!state.dataset) return;
    const sampleIndex = clampInt(index, 0, state.dataset.info.samples - 1);
    update(state, { sampleIndex });
    renderControls();
    refreshFigure();
    loadThumbnails();
  }

  function setComponents(k) {
    if (!state.dataset) return;
    const nComponents = clampInt(k, 1, state.dataset.nComponents);
    update(state, { nComponents, step: clampInt(state.step, 1, nComponents) });
    renderControls();
    refreshFigure();
  }

  function setStep(step) {
    update(state, { step: clampInt(step, 1, state.nComponents) });
    renderControls();
    refreshFigure();
  }

  function setSpeed(ms) {
    update(state, { frameDurationMs: clampInt(ms, 0, 60000) });
    renderControls();
    view.setFrameDuration(state.frameDurationMs);
    if (shownParams) shownParams.frameDurationMs = state.frameDurationMs;
  }

  function clampInt(value, lo, hi) {
    const n = Math.round(Number(value));
    if (!Number.isFinite(n)) return lo;
    return Math.max(lo, Math.min(hi, n));
  }

  function capitalize(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    const tag = target.tagName.toLowerCase();
    return tag === 'input' || tag === 'textarea' || tag === 'select' || target.isContentEditable;
  }

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target) || !view.count) return;
    const onButton = event.target.closest && event.target.closest('button, a, summary');
    switch (event.key) {
      case ' ':
      case 'Spacebar':
        if (onButton) return; // Space activates the focused button
        view.toggle();
        break;
      case 'ArrowLeft':
        view.step(-1);
        break;
      case 'ArrowRight':
        view.step(1);
        break;
      case 'Home':
        view.goTo(0);
        break;
      case 'End':
        view.goTo(view.count - 1);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  function wire() {
    dom.fileInput.addEventListener('change', () => {
      const file = dom.fileInput.files && dom.fileInput.files[0];
      dom.fileInput.value = ''; // the same file can be chosen again
      openFile(file);
    });
    dom.defaultButton.addEventListener('click', () => loadDataset(defaultSource()));
    dom.cancelButton.addEventListener('click', () => {
      if (state.busy) client.cancel(state.busy.requestId);
    });

    // The whole window accepts a dropped file; the drop zone shows it.
    let dragDepth = 0;
    const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types || []).includes('Files');
    window.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      dragDepth += 1;
      dom.body.classList.add('dragging');
    });
    window.addEventListener('dragleave', () => {
      dragDepth = Math.max(0, dragDepth - 1);
      if (!dragDepth) dom.body.classList.remove('dragging');
    });
    window.addEventListener('dragover', (event) => {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    });
    window.addEventListener('drop', (event) => {
      event.preventDefault();
      dragDepth = 0;
      dom.body.classList.remove('dragging');
      const file = event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files[0];
      if (file) openFile(file);
    });

    dom.prevSample.addEventListener('click', () => setSample(state.sampleIndex - 1));
    dom.nextSample.addEventListener('click', () => setSample(state.sampleIndex + 1));
    dom.sampleInput.addEventListener('change', () => setSample(dom.sampleInput.value));
    dom.thumbs.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-index]');
      if (button) setSample(Number(button.dataset.index));
    });
    dom.kInput.addEventListener('change', () => setComponents(dom.kInput.value));
    dom.stepInput.addEventListener('change', () => setStep(dom.stepInput.value));
    dom.speedInput.addEventListener('input', () => setSpeed(dom.speedInput.value));
    document.addEventListener('keydown', onKey);
  }

  // For the end-to-end tests and the curious: read-only views of the state.
  self.pcaExplorer = Object.freeze({
    debug: Object.freeze({
      fitCount: () => state.fitCount,
      state: () => state,
      figureDiv: () => dom.figure,
      view: () => view,
      // Kills the worker as a crash would (the page's recovery path, for the tests).
      simulateWorkerCrash: () => client.restart('simulated crash', { fatal: true }),
      // The phases of the last load and figure refresh in ms (scripts/bench).
      timings: () => JSON.parse(JSON.stringify(timings)),
      // Streamed mode for the tests: files whose float32 matrix needs more than `bytes` are
      // streamed, keeping the first rows that fit windowBytes (default 64 MiB); split: false reads
      // them in one worker. Applies from the next load.
      setStreamAboveBytes: (bytes, { windowBytes = DEFAULTS.streamWindowBytes, split = true } = {}) =>
        Object.assign(streamSettings, { aboveBytes: Number(bytes), windowBytes: Number(windowBytes), split: Boolean(split) }),
      // A real fault inside the WebAssembly module ('abort' or 'trap'), in the worker's queue.
      faultWorker: (fault) => exclusive(() => client.request(Request.DEBUG_FAULT, { fault }).promise).catch(() => {}),
    }),
  });

  wire();
  renderControls();
  loadDataset(defaultSource());
})();
