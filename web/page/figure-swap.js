// A new sample or K without plotly's full redraw. Plotly.react of the new figure replots all of
// it: supplyDefaults and calc of every trace, the slider's 51 labels measured again, menus, colour
// bars, axes, and every heatmap encoded as a PNG (80-120 ms at 28×28, most of a sample change;
// 0.15-0.3 s at 256×256). Between two figures of the same dataset and view most of that is
// unchanged, so a swap applies only what differs, through plotly's own API:
//   - the frames, replaced by name (Plotly.addFrames); those the new figure does not bring (a
//     frame fewer at a smaller K; a large figure's first part, figure-view.js) deleted;
//   - the base traces and the figure's title and marker, as one animation frame applied without
//     plotly's redraw (Plotly.animate, redraw: false: plotly puts the traces into its data and
//     recomputes calcdata, redraws the line traces itself, and the frame painter paints the
//     pictures, title and marker from that frame, as it does in play);
//   - axis ranges (the distortion's), the slider's steps (a step per frame, their frame
//     duration) and position, and the colour bars of traces whose colour range moved, by one
//     Plotly.update: it redraws the axes and the traces, the slider, and the colour bars alone (a
//     colour-bar attribute given again: plotly's 'colorbars' edit), not menus or titles. Its
//     heatmaps it leaves as the painter painted them (withHeatmapsAsPainted, below).
// Any other difference (panel size, colour map, theme, trace added or removed) is not a swap:
// planSwap returns null and the page draws with Plotly.react. (The dataset's marks and mean curve
// keep their traces at every K for this: variance-shares.js, dataset-views.js.)
import { heatmapModule } from './heatmap-calc.js';

// Trace keys a swap carries in its animation frame: the trace's data, colour range, and where a
// line's label sits (the mean curve's moves away from the sample's).
const DATA_KEYS = new Set(['x', 'y', 'z', 'text', 'textposition', 'zmin', 'zmax']);
// Layout keys a swap carries in its animation frame (painted: frame-painter.js).
const FRAME_LAYOUT_KEYS = new Set(['title', 'shapes']);
const AXIS = /^[xy]axis\d*$/;
// What plotly writes into an axis of the layout it is given: its range, its type (from the data),
// and its domain where the axis is constrained (a swap keeps the domains as given).
const AXIS_WRITTEN = ['range', 'autorange', 'type', 'domain'];
// Axis keys a swap sets by the update when they differ (the core gives the distortion's k axis a
// tick per component at a small K).
const AXIS_TICKS = ['dtick', 'tick0', 'tickmode', 'nticks'];

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const publicKeys = (object) => Object.keys(object || {}).filter((key) => !key.startsWith('_') && object[key] !== undefined);
const without = (object, keys) =>
  Object.fromEntries(
    publicKeys(object)
      .filter((key) => !keys.includes(key))
      .map((key) => [key, object[key]]),
  );

// The layout keys that differ between the layout on screen (div.layout: what plotly was given and
// every relayout since, with the axis ranges and constrained domains plotly wrote into it) and the
// next one, as a Plotly.relayout update; null when one differs in a way a swap does not apply.
function layoutChanges(onScreen, given, next) {
  const keys = new Set([...publicKeys(onScreen), ...publicKeys(next)]);
  /** @type {Record<string, any>} */
  const relayout = {};
  for (const key of keys) {
    const [a, b] = [onScreen[key], next[key]];
    if (FRAME_LAYOUT_KEYS.has(key) || same(a, b)) continue;
    if (AXIS.test(key) && a && b) {
      const fixed = [...AXIS_WRITTEN, ...AXIS_TICKS];
      if (!same(without(a, fixed), without(b, fixed)) || !same(given[key], b.domain)) return null;
      if (b.range && !same(a.range, b.range)) relayout[`${key}.range`] = b.range.slice();
      // null: plotly's default again (the key is not in the new figure)
      for (const tick of AXIS_TICKS) if (!same(a[tick], b[tick])) relayout[`${key}.${tick}`] = b[tick] === undefined ? null : b[tick];
    } else if (key === 'sliders' && a && b && a.length === b.length) {
      // The steps' frame duration: the speed control changes the Play button's only.
      for (let i = 0; i < b.length; i++) {
        if (!same(without(a[i], ['steps', 'active']), without(b[i], ['steps', 'active']))) return null;
        if (!same(a[i].steps, b[i].steps)) relayout[`sliders[${i}].steps`] = b[i].steps;
        // The new figure shows its first frame (the base frame): its slider there too, not where
        // the old one was left (a step or play moves it, the base frame applied does not).
        if ((a[i].active || 0) !== (b[i].active || 0)) relayout[`sliders[${i}].active`] = b[i].active || 0;
      }
    } else if (key !== 'updatemenus' || !same(strip(a, 'active'), strip(b, 'active'))) {
      return null;
    }
  }
  return relayout;
}

const strip = (/** @type {any[]} */ list, /** @type {string} */ key) => (list || []).map((item) => without(item, [key]));

/**
 * The axes' domains of a layout given to plotly, as given (plotly writes over them where constrained).
 * @param {any} layout
 */
function axisDomains(layout) {
  return Object.fromEntries(
    publicKeys(layout)
      .filter((key) => AXIS.test(key))
      .map((key) => [key, layout[key].domain]),
  );
}

/**
 * How to show `figure` (its layout as the page gives it to plotly) in place of the figure on
 * `div`, or null when that is not a swap. `given`: axisDomains() of the layout last given to plotly.
 * The frames may differ by name (a change of k adds or removes some, and the slider's steps with
 * them): applySwap deletes those the new figure does not bring.
 * @param {any} div
 * @param {Record<string, any>} given
 * @param {{data: any[], frames: any[]}} figure
 * @param {any} layout
 */
function planSwap(div, given, figure, layout) {
  const frames = figure.frames || [];
  const shown = div.data;
  if (!given || !shown || !div.layout || !frames.length || shown.length !== figure.data.length) return null;
  const colourBars = [];
  for (let i = 0; i < shown.length; i++) {
    const [a, b] = [shown[i], figure.data[i]];
    if (!same(without(a, [...DATA_KEYS, 'uid']), without(b, [...DATA_KEYS, 'uid']))) return null;
    if (b.showscale && (a.zmin !== b.zmin || a.zmax !== b.zmax)) colourBars.push(i);
  }
  const relayout = layoutChanges(div.layout, given, JSON.parse(JSON.stringify(layout)));
  if (!relayout) return null;
  const base = {
    name: String(frames[0].name),
    data: figure.data.map((trace) => Object.fromEntries(Object.entries(trace).filter(([key]) => DATA_KEYS.has(key)))),
    traces: figure.data.map((_, i) => i),
    layout: { title: layout.title, shapes: layout.shapes },
  };
  return { frames, base, relayout, colourBars };
}

/**
 * Applies a planned swap, all of it before the next paint (no paint shows half of it): the frames
 * replaced; the base frame applied (plotly applies a frame in microtasks after Plotly.animate
 * returns, and says 'plotly_transitioning' once its data and calcdata are the frame's); then, in
 * the same task, one Plotly.update for the axes, slider and colour bars. `animate` is the view's
 * Plotly.animate (its rejections caught).
 * @param {any} div
 * @param {any} plan
 * @param {any} Plotly
 * @param {(div: any, frames: any, options: any) => Promise<any>} animate
 * @param {(frame: any) => void} paint the painter's paint (frame-painter.js)
 */
async function applySwap(div, plan, Plotly, animate, paint) {
  const still = { mode: 'immediate', frame: { duration: 0, redraw: false }, transition: { duration: 0 } };
  // Frames on screen that the new figure does not bring yet (its first part: figure-view.js)
  // go, so that no step or play reaches the old sample's pictures.
  const coming = new Set(plan.frames.map((/** @type {any} */ frame) => String(frame.name)));
  const stale = div._transitionData._frames.flatMap((/** @type {any} */ frame, /** @type {number} */ i) =>
    coming.has(String(frame.name)) ? [] : [i],
  );
  // One at a time, from the last: plotly.js 4.1's deleteFrames sorts a list of indices as text
  // (10 before 2) and then deletes the wrong ones.
  for (const index of stale.reverse()) await Plotly.deleteFrames(div, [index]);
  await Plotly.addFrames(div, plan.frames);
  const restyle = plan.colourBars.length
    ? { 'colorbar.thickness': plan.colourBars.map((/** @type {number} */ i) => (div._fullData[i].colorbar || {}).thickness) }
    : null;
  // Given even when it is as on screen: plotly replots a frame's line traces' subplots alone, and
  // its cartesian plot of some traces removes the heatmaps' drawings from the other subplots
  // (plotly.js 4.1); the update's redraw of every trace draws them again.
  const relayout = Object.keys(plan.relayout).length ? plan.relayout : lineRange(div);
  const applied = new Promise((resolve) => div.once('plotly_transitioning', resolve));
  // Not awaited: the animation ends at the next animation frame, after the paint that shows it.
  animate(div, [plan.base], still);
  await applied;
  if (restyle || relayout)
    await withHeatmapsAsPainted(
      div,
      () => Plotly.update(div, restyle || {}, relayout || {}, plan.colourBars),
      () => paint(plan.base),
    );
}

/**
 * The y range of the first line trace's axis as a relayout update, as on screen; null without one.
 * @param {any} div
 */
function lineRange(div) {
  const line = (div._fullData || []).find((/** @type {any} */ trace) => trace.type !== 'heatmap');
  const name = line && `yaxis${String(line.yaxis).slice(1)}`;
  const range = name && div.layout[name] && div.layout[name].range;
  return Array.isArray(range) ? { [`${name}.range`]: range.slice() } : null;
}

/**
 * Runs `update` (a Plotly.update of `div`) with plotly's heatmap pixels left out for `div`, then
 * puts the painter's pictures back. Any axis range given to plotly redraws every trace
 * (relayout's drawData): at 512×512 panels the three heatmaps' pixel loops and PNG encodings were
 * 150 of a relayout's 165 ms, to draw the very pixels the painter paints from the same base frame
 * (its pictures are checked pixel for pixel against plotly's: tests/e2e/playback.test.js). plotly
 * still draws each heatmap -- its group, its <image> where its axes put it, its style -- but of
 * one value (plotly.js 4.1's heatmap module `plot`, the `_module` of a `_fullData` trace, is
 * wrapped for this call only and given each trace's calcdata with z = its first value: the image
 * spans the trace's bin edges whatever z holds); `paint` then sets the pictures, before the next
 * paint (the same task). Other figures (the variance chart) draw as ever.
 * @param {any} div
 * @param {() => Promise<any>} update
 * @param {() => void} paint
 */
async function withHeatmapsAsPainted(div, update, paint) {
  const module = heatmapModule(div);
  if (!module || typeof module.plot !== 'function') return update();
  const plot = module.plot;
  const onePixel = (/** @type {any[]} */ cd) => {
    const z = cd[0].z;
    return Array.isArray(z) && z.length && z[0].length ? [Object.assign({}, cd[0], { z: [[z[0][0]]] })].concat(cd.slice(1)) : cd;
  };
  module.plot = function (
    /** @type {any} */ gd,
    /** @type {any} */ plotinfo,
    /** @type {any[][]} */ cdModule,
    /** @type {any[]} */ ...rest
  ) {
    return plot.call(this, gd, plotinfo, gd === div ? cdModule.map(onePixel) : cdModule, ...rest);
  };
  try {
    await update();
  } finally {
    module.plot = plot;
  }
  paint();
}

export { axisDomains, planSwap, applySwap };
