// The figure on screen's controller: the parameters the state asks for, drawing the worker's
// figure (its pictures filled in, the theme, the dataset's marks), redrawing it when the view
// changes (a burst of changes coalesced into one worker job), and the figure in words
// (figure-text.js: the line announced as k changes, the distortion curve as text). app.js hands
// over its state, its worker calls, its elements and what follows a drawing.
import { Request, ErrorCode } from '../shared/protocol.js';
import { fillPictures } from './figure-pictures.js';
import { basePictures } from './frame-painter.js';
import { sliderFrameNames } from './figure-view.js';
import { addDistortionMarks } from './variance-shares.js';
import { FiguresAhead } from './figures-ahead.js';
import * as Theme from './theme.js';
import * as FigureText from './figure-text.js';

// The colour options of a figure request, from the state's or a shown figure's parameters.
const COLOUR_FIELDS = ['colormap', 'residualColormap', 'scale', 'clipPercent'];
function colourParams(from) {
  return Object.fromEntries(COLOUR_FIELDS.map((field) => [field, from[field]]));
}

// The parameters of the figure that the state asks for.
function figureParams(state) {
  return Object.assign(
    {
      sampleIndex: state.sampleIndex,
      nComponents: state.nComponents,
      step: state.step,
      frameDurationMs: state.frameDurationMs,
    },
    colourParams(state.colour),
  );
}

// A figure whose pictures pass this many bytes (256×256 panels and larger at the default 50
// components) comes in two parts: its first frame (the one a new figure shows, with the original)
// drawn as soon as it is there, then the whole figure, whose other frames join it (the module
// builds and sends every frame's pictures, 27 MB at 256×256, 108 MB at 512×512: 0.2-1 s here).
// (The tests lower it: debug.setFirstFrameFirstAboveBytes.)
const figureSettings = { firstFrameFirstAboveBytes: 8 << 20 };

/** The bytes of the pictures of the figure `params` asks for. @param {any} info @param {any} params */
function pictureBytes(info, params) {
  const frames = Math.ceil(params.nComponents / params.step) + 1;
  return 4 * info.height * info.width * info.channels * (2 * frames + 1);
}

// The views next to `params` whose figures are asked for ahead (figures-ahead.js): the next and
// previous sample, K − 1 and K + 1 (within the components fitted: a larger K would fit again).
// Those along the change that led to `params` come first (`before`: the parameters shown
// before): a key held down on the K field asks for K after K, and each waits for the figures the
// worker is making ahead (50-60 ms each at 512×512 panels).
/** @param {any} dataset @param {any} params @param {any} before */
function neighbours(dataset, params, before) {
  const samples = [];
  for (const sampleIndex of [params.sampleIndex + 1, params.sampleIndex - 1])
    if (sampleIndex >= 0 && sampleIndex < dataset.info.samples) samples.push(Object.assign({}, params, { sampleIndex }));
  const ks = [];
  for (const nComponents of [params.nComponents - 1, params.nComponents + 1])
    if (nComponents >= 1 && nComponents <= dataset.nComponents)
      ks.push(Object.assign({}, params, { nComponents, step: Math.min(params.step, nComponents) }));
  const kFirst = Boolean(before) && before.nComponents !== params.nComponents && before.sampleIndex === params.sampleIndex;
  return kFirst ? ks.concat(samples) : samples.concat(ks);
}

/** The FIGURE request of `params`: its pictures apart, the first frame first when they are large. @param {any} info @param {any} params */
function figureRequest(info, params) {
  const inParts = pictureBytes(info, params) > figureSettings.firstFrameFirstAboveBytes;
  return Object.assign({ parts: true, firstFrameOnly: inParts }, params);
}

// What follows a drawing, in this order: beforeDraw(figure, params) adds to the figure and returns
// what afterDraw will need; onShown() once the figure on screen is known (before data-figure-version
// moves); afterDraw(params, measured) after it.
/**
 * @param {{
 *   dom: {body: HTMLElement, frameStatus: HTMLElement, distortionText: {summary: HTMLElement, table: any}},
 *   state: any,
 *   view: any,
 *   call: (type: string, payload: any, label: string) => Promise<any>,
 *   ask: (type: string, payload: any, label: string) => Promise<any>,
 *   exclusive: (job: () => Promise<void>) => Promise<void>,
 *   timings: {figure: any, draw: any},
 *   setMessages: (messages: {error?: string | null, notice?: string | null}) => void,
 *   holdsCurrent: () => boolean,
 *   scheduleRestore: () => void,
 *   yieldWorker: () => void,
 *   beforeDraw: (figure: any, params: any) => any,
 *   onShown: () => void,
 *   afterDraw: (params: any, measured: any) => void,
 * }} app
 */
function createFigureController(app) {
  const { dom, state, view, call, exclusive, timings, setMessages, holdsCurrent, scheduleRestore } = app;
  let figureVersion = 0; // incremented after every figure drawn (tests wait on data-figure-version)
  let shownParams = null; // the parameters of the figure on screen
  let paramsBefore = null; // those of the figure on screen before it
  let shownFigure = null; // {datasetName} of the figure on screen, for the downloads
  let shownCurve = null; // {sample, K, ks, distortion, cumulative} of the figure on screen
  let frameLineShown = '';
  let refreshQueued = false;
  // The figures of the views next to the one on screen, asked for while idle (figures-ahead.js).
  // Each is decoded as it comes, and its base pictures made, as the painter would at the swap.
  const ahead = new FiguresAhead(
    (request) => app.ask(Request.FIGURE, request, state.dataset.name),
    ({ json, images }) => {
      const figure = fillPictures(JSON.parse(json), images);
      return { json, images, figure: Object.assign(figure, { picturesAhead: basePictures(figure) }) };
    },
    exclusive,
  );

  // {json, images}: the worker's figure with its pictures apart (page/figure-pictures.js), or
  // also `figure`, them decoded (a figure asked for ahead).
  // framesToCome: the figure's first part (firstFrameOnly), its other frames added later.
  async function show({ json, images, figure: decoded }, params, framesToCome = false) {
    const t0 = performance.now();
    const figure = decoded || fillPictures(JSON.parse(json), images);
    Theme.themeLayout(figure.layout, Theme.effectiveTheme(state.theme));
    shownCurve = curveOf(figure, params);
    const t1 = performance.now();
    if (state.dataset) addDistortionMarks(figure, state.dataset.shares); // static traces, after the core's
    const measured = app.beforeDraw(figure, params);
    await view.draw(figure, { frameDurationMs: params.frameDurationMs, framesToCome });
    timings.draw = { parseMs: t1 - t0, plotMs: performance.now() - t1, jsonBytes: json.length, imageBytes: images.byteLength };
    paramsBefore = shownParams;
    shownParams = params;
    shownFigure = { datasetName: state.dataset ? state.dataset.name : 'data' };
    app.onShown();
    figureVersion += 1;
    dom.body.dataset.figureVersion = String(figureVersion);
    app.afterDraw(params, measured);
    renderDistortionText();
  }

  // A change (a click, a key) asks for its figure at once, once this task is done (so changes made
  // together make one figure); changes made while a figure is on its way make one more figure,
  // of the latest state, when it is done.
  const drawnBy = ['sampleIndex', 'nComponents', 'step', ...COLOUR_FIELDS];
  const isShown = (/** @type {any} */ params) => Boolean(shownParams) && drawnBy.every((key) => shownParams[key] === params[key]);
  function refresh() {
    const t0 = performance.now();
    if (refreshQueued) return; // the job queued reads the state when it starts
    refreshQueued = true;
    // Another figure than the one on screen: the work in the background (the dataset's measuring)
    // stops for it (it is asked for again after the figure is drawn).
    if (shownParams && !isShown(figureParams(state))) app.yieldWorker();
    exclusive(async () => {
      refreshQueued = false;
      if (!state.dataset || !holdsCurrent()) return;
      const params = figureParams(state);
      if (isShown(params)) return;
      try {
        const t1 = performance.now();
        const dataset = state.dataset;
        const request = figureRequest(dataset.info, params);
        const inParts = request.firstFrameOnly;
        const early = ahead.take(dataset, request);
        const ask = () => call(Request.FIGURE, request, dataset.name);
        const parts = await (early ? early.catch(ask) : ask());
        const t2 = performance.now();
        await show(parts, params, inParts);
        const shownAs = view.generation;
        const measured = (timings.figure = Object.assign(
          { waitMs: t1 - t0, figureMs: t2 - t1, totalMs: performance.now() - t0, askedAhead: Boolean(early) },
          timings.draw,
        ));
        requestAnimationFrame(() => (measured.firstPaintMs = performance.now() - t0));
        setMessages({ error: null, notice: null });
        if (inParts) {
          // the whole figure: its frames after the first join the one on screen. Asked for once
          // the first is painted: the module's work for it (0.3-1 s at 512×512) took the cores
          // the page's thread needed to get there.
          await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted)));
          const whole = await call(Request.FIGURE, Object.assign({ parts: true }, params), state.dataset.name);
          await view.addFrames(fillPictures(JSON.parse(whole.json), whole.images).frames, shownAs);
          measured.allFramesMs = performance.now() - t0;
        }
        if (view.generation === shownAs) prepareAhead();
      } catch (error) {
        const cancelled = error.code === ErrorCode.CANCELLED;
        setMessages({ error: cancelled ? null : `Could not draw the figure: ${error.message}`, notice: cancelled ? 'Cancelled.' : null });
        if (!holdsCurrent() || error.fatal || cancelled) scheduleRestore();
      }
    });
  }

  // The figures of the views next to the one on screen, asked for in the page's queue of worker
  // jobs; each only while this figure is still the one on screen and no change is waiting.
  function prepareAhead() {
    const [dataset, params] = [state.dataset, shownParams];
    if (!dataset || !params) return;
    const requests = neighbours(dataset, params, paramsBefore).map((next) => figureRequest(dataset.info, next));
    ahead.prepare(dataset, requests, () => !refreshQueued && state.dataset === dataset && holdsCurrent() && shownParams === params);
  }

  // ---- the figure in words (figure-text.js) ----
  function curveOf(figure, params) {
    const distortion = figure.data[3].y; // the module's ‖x − x̂ₖ‖², k = 0..K
    const K = distortion.length - 1;
    const ratios = state.dataset ? state.dataset.explainedVarianceRatio : null;
    return {
      sample: params.sampleIndex,
      K,
      ks: sliderFrameNames(figure).map(Number), // every frame's, also those still to come
      distortion,
      cumulative: FigureText.cumulativeRatios(ratios || [], K),
    };
  }

  function renderDistortionText() {
    if (!shownCurve) return;
    dom.distortionText.summary.textContent = FigureText.distortionSentence(shownCurve);
    FigureText.fillDistortionTable(dom.distortionText.table, shownCurve);
  }

  // Said once k stops moving (a step, the end of play, a new figure): not at every frame of play.
  function announceFrame() {
    if (!shownCurve || !state.frame.count) return;
    const line = state.frame.playing
      ? FigureText.playingLine(shownCurve)
      : FigureText.frameLine(Object.assign({ k: state.frame.k }, shownCurve));
    if (line === frameLineShown) return;
    frameLineShown = line;
    dom.frameStatus.textContent = line;
  }

  return {
    show,
    refresh,
    prepareAhead,
    // A new file or fit comes first: the figures not yet asked for ahead are not asked for.
    cancelAhead: () => ahead.clear(),
    announceFrame,
    // The figure on screen's parameters and dataset name (for the downloads), or null.
    shown: () => shownFigure && Object.assign({}, shownParams, shownFigure),
    shownK: () => (shownParams ? shownParams.nComponents : null),
    // The figures asked for ahead: {pending, made, used} (the tests and benchmarks).
    ahead: () => ({ pending: ahead.pending, made: ahead.made, used: ahead.used }),
    // Play's speed changes without a new figure.
    setFrameDuration(/** @type {number} */ ms) {
      view.setFrameDuration(ms);
      if (shownParams) shownParams.frameDurationMs = ms;
      prepareAhead(); // the figures asked for ahead carry the speed too
    },
  };
}

export { figureSettings, COLOUR_FIELDS, colourParams, figureParams, neighbours, createFigureController };
