// The dataset views' controller (issue #14): after every figure, the whole dataset at its k (the
// worker's DISTORTIONS: mean distortion on the figure, worst-reconstructed thumbnails), the
// component range a..b (RANGE) and the grid of samples (GRID), each in its own worker job. The
// range and the grid live in the URL hash (range=a-b, grid=n: range-view.js, sample-grid.js), so a
// link keeps them; app.js hands over its state, its worker calls and its elements.
import { Request, ErrorCode } from '../shared/protocol.js';
import * as DatasetDistortions from './dataset-distortions-view.js';
import { parseRange, withRange, RangeView } from './range-view.js';
import { parseGrid, withGrid, renderGrid } from './sample-grid.js';
import { drawValues } from './canvas-images.js';

const WORST_SHOWN = 8;

/** Bumps a body data-* counter that tests wait on. @param {HTMLElement} body @param {string} name */
function bump(body, name) {
  body.dataset[name] = String(Number(body.dataset[name] || 0) + 1);
}

/** @param {string} hash */
function replaceHash(hash) {
  if (hash !== location.hash) history.replaceState(history.state, '', hash || location.pathname + location.search);
}

/**
 * @param {{
 *   dom: {body: HTMLElement, figure: any, worst: any, range: any, grid: {input: HTMLInputElement, div: any}},
 *   state: any,
 *   call: (type: string, payload: any, label: string) => Promise<any>,
 *   exclusive: (job: () => Promise<void>) => Promise<void>,
 *   setMessages: (messages: {error?: string | null, notice?: string | null}) => void,
 *   setSample: (index: number) => void,
 *   holdsCurrent: () => boolean,
 *   shownK: () => number | null,
 *   cancelRequest: (id: number) => void,
 *   stopRequest: (id: number) => void,
 *   componentsAtHand: (dataset: any) => number,
 * }} app
 */
function createDatasetViews({
  dom,
  state,
  call,
  exclusive,
  setMessages,
  setSample,
  holdsCurrent,
  shownK,
  cancelRequest,
  stopRequest,
  componentsAtHand,
}) {
  let distortions = null; // {dataset, result} of the last DISTORTIONS answered
  let longestMean = null; // {dataset, result}: the DISTORTIONS answered at the largest k (its mean curve holds every smaller k's)
  let measuring = false; // a DISTORTIONS request is in flight (state.busy is it)
  // What the range and the grid on screen were drawn from ({dataset, key}): both are asked for
  // after the hash is applied and again after the figure it changed is drawn, and after every
  // figure (a colour map, a scale): the same view is not asked of the worker and drawn again.
  let rangeShown = { dataset: null, key: '' };
  let gridShown = { dataset: null, key: '' };
  const ready = () => Boolean(state.dataset) && holdsCurrent();
  const failed = (/** @type {string} */ what) => (/** @type {any} */ error) => {
    if (error.code !== ErrorCode.CANCELLED) setMessages({ error: `${what}: ${error.message}` });
    return null;
  };

  /** The measured answer for a figure of k = nComponents on this dataset, or null. @param {{nComponents: number}} params */
  function distortionsFor(params) {
    const d = distortions;
    return d && state.dataset && d.dataset === state.dataset && d.result.k === params.nComponents ? d.result : null;
  }

  // Every image's distortion at the figure's k, unless k changed again meanwhile.
  function scheduleDistortions(/** @type {{nComponents: number}} */ params) {
    exclusive(async () => {
      if (!ready() || distortionsFor(params) || shownK() !== params.nComponents) return;
      const dataset = state.dataset;
      const payload = { k: params.nComponents, worst: WORST_SHOWN };
      measuring = true;
      const result = await call(Request.DISTORTIONS, payload, dataset.name)
        .catch(failed('Could not measure every image'))
        .finally(() => (measuring = false));
      if (!result || state.dataset !== dataset) return;
      distortions = { dataset, result };
      if (!longestMean || longestMean.dataset !== dataset || longestMean.result.k <= result.k) longestMean = { dataset, result };
      renderWorst();
      if (shownK() === result.k) await DatasetDistortions.showMeanCurve(dom.figure, result);
      bump(dom.body, 'distortionsVersion');
    });
  }

  function renderWorst() {
    const d = distortions && state.dataset && distortions.dataset === state.dataset ? distortions.result : null;
    const info = state.dataset ? state.dataset.info : null;
    DatasetDistortions.renderWorst(dom.worst, d, info ? [info.valueMin, info.valueMax] : [0, 1], setSample);
  }

  // The hash's range, clamped to the components on hand, drawn for the sample on screen.
  const rangeView = new RangeView(dom.range, {
    onChange: (range) => {
      if (!state.dataset) return;
      replaceHash(withRange(location.hash, range));
      scheduleRange();
    },
  });
  function scheduleRange() {
    exclusive(async () => {
      if (!ready()) return;
      const wanted = parseRange(location.hash);
      const max = componentsAtHand(state.dataset);
      const range = wanted && wanted.first <= max ? { first: wanted.first, last: Math.min(wanted.last, max) } : null;
      rangeView.setInputs(range, max);
      const dataset = state.dataset;
      const key = JSON.stringify([state.sampleIndex, range]);
      if (rangeShown.dataset !== dataset || rangeShown.key !== key) {
        const what = range && `Could not rebuild from components ${range.first}..${range.last}`;
        const result = range
          ? await call(Request.RANGE, { sampleIndex: state.sampleIndex, ...range }, dataset.name).catch(failed(what))
          : null;
        const { valueMin, valueMax } = dataset.info;
        rangeView.render(result, (canvas, r) => drawValues(canvas, r.pixels, 0, r.width, r.height, r.channels, valueMin, valueMax));
        rangeShown = result || !range ? { dataset, key } : { dataset: null, key: '' }; // a failure is asked again
      }
      bump(dom.body, 'rangeVersion');
    });
  }

  // The samples from the one on screen on (as many as the hash's grid), at the figure's k and step.
  dom.grid.input.addEventListener('change', () => {
    if (!state.dataset) return;
    replaceHash(withGrid(location.hash, Math.max(1, Math.min(8, Math.round(Number(dom.grid.input.value) || 1)))));
    scheduleGrid();
  });
  function scheduleGrid() {
    exclusive(async () => {
      if (!ready()) return;
      const dataset = state.dataset;
      const { samples: total, valueMin, valueMax } = dataset.info;
      const n = Math.min(parseGrid(location.hash), total);
      dom.grid.input.value = String(n);
      const first = Math.max(0, Math.min(state.sampleIndex, total - n));
      const key = n > 1 ? JSON.stringify([first, n, state.nComponents, state.step, state.frameDurationMs]) : 'none';
      if (gridShown.dataset !== dataset || gridShown.key !== key) {
        let grid = null;
        if (n > 1) {
          const payload = { samples: Array.from({ length: n }, (_, i) => first + i), nComponents: state.nComponents, step: state.step };
          grid = await call(Request.GRID, payload, dataset.name).catch(failed('Could not draw the grid of samples'));
        }
        await renderGrid(dom.grid.div, grid, [valueMin, valueMax], state.frameDurationMs);
        gridShown = grid || n <= 1 ? { dataset, key } : { dataset: null, key: '' }; // a failure is asked again
      }
      bump(dom.body, 'gridVersion');
    });
  }

  return {
    /** The hash changed, after the page applied its sample and k (app.js applyHash): the range
     * and the grid follow it, for the sample now on screen. */
    hashApplied() {
      scheduleRange();
      scheduleGrid();
    },
    /** Into a figure about to be drawn: the mean curve as far as it is known (up to its k; all of
     * it when a k as large was measured: then a change of K keeps the figure's traces, and is a
     * swap, figure-swap.js); returns whether its k was measured (the worst images at it). */
    beforeDraw(/** @type {any} */ figure, /** @type {{nComponents: number}} */ params) {
      const longest = longestMean && state.dataset && longestMean.dataset === state.dataset ? longestMean.result : null;
      if (longest) DatasetDistortions.addMeanCurve(figure, DatasetDistortions.meanUpTo(longest, params.nComponents));
      return Boolean(distortionsFor(params));
    },
    /** After a figure is on screen: what it lacks is asked for. */
    afterDraw(/** @type {{nComponents: number}} */ params, /** @type {boolean} */ measured) {
      if (!measured) scheduleDistortions(params);
      scheduleRange();
      scheduleGrid();
    },
    renderWorst,
    /** A new file comes first: the measuring of the one on screen (which can take seconds) stops. */
    cancelMeasuring() {
      if (measuring && state.busy) cancelRequest(state.busy.requestId);
    },
    /** A new figure asked for (a sample, K, colours) comes first too: the measuring stops at its
     * next block, the worker keeping its data, and is asked for again after that figure. */
    pauseMeasuring() {
      if (measuring && state.busy) stopRequest(state.busy.requestId);
    },
  };
}

export { createDatasetViews };
