// Draws the core's figure (data, layout, frames: built entirely by the WebAssembly module) with
// plotly and drives its animation. The page changes only what it controls -- the size, the
// margins and the frame duration -- and never rebuilds frames, so every frame trace keeps the
// subplot axes the core gave it.
import { FramePainter } from './frame-painter.js';
import { axisDomains, planSwap, applySwap } from './figure-swap.js';
import { required } from './generated.js';
import { skipCleaningOfPictures } from './heatmap-calc.js';
const PLOT_CONFIG = Object.freeze({
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d'],
  toImageButtonOptions: { filename: 'pca-reconstruction' },
});

// The page's figure area is shorter than the core's default height (820 px): tighter margins.
const PAGE_MARGIN = Object.freeze({ l: 55, r: 75, t: 70, b: 125 });

function stepTo() {
  return { mode: 'immediate', frame: { duration: 0, redraw: true }, transition: { duration: 0 } };
}

const plotly = () => required('Plotly');

// Plotly.animate rejects (with undefined) when a newer animation interrupts it: expected here.
function animate(div, frames, options) {
  return plotly()
    .animate(div, frames, options)
    .catch(() => {});
}

class FigureView {
  // onFrame({index, count, k, playing}) runs whenever the frame on screen or the play state changes.
  /**
   * @param {any} div
   * @param {{onFrame?: (frame: {index: number, count: number, k: number, playing: boolean}) => void}} [callbacks]
   */
  constructor(div, { onFrame = () => {} } = {}) {
    this.div = div;
    this.onFrame = onFrame;
    this.names = []; // frame names, in order (the core names each frame by its k)
    this.index = 0;
    this.playing = false;
    this.frameDurationMs = 100;
    this.eventsAttached = false;
    this.stepToken = 0; // bumped by every step, play and pause: a step in flight sees it moved
    this.stepping = null; // the steps being drawn (runSteps), if any
    this.generation = 0; // bumped by every draw and clear: steps of an older figure stop
    // Paints the frames that plotly applies with redraw: false (frame-painter.js); play uses
    // them when it accepts the figure (gray heatmaps), else plotly redraws every frame.
    this.painter = new FramePainter(div);
    this.swaps = 0; // figures shown by a swap (figure-swap.js) rather than drawn by plotly
    this.givenDomains = null; // the axes' domains of the layout last given to plotly (figure-swap.js)
    // A large figure comes in two parts (figure-controller.js): drawn with its first frame
    // alone, its other frames added when they arrive (addFrames). Meanwhile a play or a step
    // waits for them, so that no frame is shown that is not there.
    this.framesToCome = false;
    this.playWanted = false;
    this.wantedIndex = null; // a step asked for meanwhile
  }

  get count() {
    return this.names.length;
  }

  // Draws a new figure (Explorer.figureParts' JSON with its pictures filled in: figure-pictures.js)
  // and shows its first frame. framesToCome: the figure holds its first frame alone (the slider
  // names them all); addFrames brings the others.
  async draw(figure, { frameDurationMs, framesToCome = false }) {
    this.names = framesToCome ? sliderFrameNames(figure) : (figure.frames || []).map((frame) => String(frame.name));
    this.framesToCome = framesToCome;
    this.playWanted = false;
    this.wantedIndex = null;
    this.index = 0;
    this.playing = false;
    this.frameDurationMs = frameDurationMs;
    const layout = Object.assign({}, figure.layout, {
      autosize: true,
      height: undefined,
      margin: Object.assign({}, figure.layout.margin, PAGE_MARGIN),
    });
    delete layout.height;
    this.generation++;
    this.stepping = null;
    const swappable = this.painter.active && this.eventsAttached;
    let painted = swappable ? this.painter.acceptsSwap(figure) : this.painter.accepts(figure);
    setPlayButton(layout, { duration: frameDurationMs, redraw: !painted });
    const spec = { data: figure.data, layout, frames: figure.frames, config: PLOT_CONFIG };
    const swap = painted && swappable ? planSwap(this.div, this.givenDomains, figure, layout) : null;
    this.givenDomains = axisDomains(layout);
    if (swap) {
      // Same panels, a new sample or K, painted: only what changed (figure-swap.js).
      await animate(this.div, [null], { mode: 'immediate', frame: { duration: 0, redraw: false }, transition: { duration: 0 } });
      await applySwap(this.div, swap, plotly(), animate, (frame) => this.painter.paint(frame));
      this.swaps++;
    } else if (this.div.data && this.eventsAttached) {
      // Same panels, another view (or a figure not painted): Plotly.react keeps the axes, menus and slider it already
      // drew and recomputes what changed (about half the time of purge + newPlot at 28×28).
      // Any animation under way is stopped first, as newPlot would.
      await animate(this.div, [null], { mode: 'immediate', frame: { duration: 0, redraw: false }, transition: { duration: 0 } });
      await plotly().react(this.div, spec);
    } else {
      if (this.div.data) plotly().purge(this.div);
      // The slider comes right after the figure's first paint: its step labels, measured one by
      // one, took as long as the rest of a first drawing (README, "A first visit").
      const { sliders, ...first } = layout;
      await plotly().newPlot(this.div, Object.assign({}, spec, { layout: first }));
      this.attachEvents();
      if (sliders) this.addSliderAfterPaint(this.generation, sliders);
    }
    // The frames applied from now on skip the cleaning of their pictures (heatmap-calc.js).
    skipCleaningOfPictures(this.div);
    if (painted && !swap && !this.painter.drawn()) {
      painted = false; // plotly did not draw one pixel per value here: it redraws every frame
      plotly().relayout(this.div, playButtonUpdate(this.div, 'frame.redraw', true));
    }
    if (painted) this.painter.prepareAhead();
    this.report();
  }

  // The frames of a figure drawn with its first frame alone (draw's framesToCome), unless another
  // figure came since (`generation`, as draw left it); then a play or step asked for meanwhile.
  /**
   * @param {any[]} frames
   * @param {number} generation
   */
  async addFrames(frames, generation) {
    if (generation !== this.generation || !this.framesToCome) return;
    const shown = new Set(this.div._transitionData._frames.map((/** @type {any} */ frame) => String(frame.name)));
    await plotly().addFrames(
      this.div,
      frames.filter((frame) => !shown.has(String(frame.name))),
    );
    if (generation !== this.generation) return;
    if (this.painter.active && !this.painter.takeFrames(frames)) {
      // not expected: the module's frames as the first one; plotly draws every frame then
      this.painter.clear();
      await plotly().relayout(this.div, playButtonUpdate(this.div, 'frame.redraw', true));
    }
    this.framesToCome = false;
    if (this.painter.active) this.painter.prepareAhead();
    // The slider moved meanwhile: its step found no frame then.
    const slider = ((this.div._fullLayout && this.div._fullLayout.sliders) || [])[0];
    const sliderIndex = slider && Number.isInteger(slider.active) ? slider.active : this.index;
    const wanted = this.wantedIndex !== null ? this.wantedIndex : sliderIndex;
    this.wantedIndex = null;
    if (this.playWanted) {
      this.playWanted = false;
      this.play();
    } else if (wanted !== this.index) this.goTo(wanted);
  }

  // The figure's slider, once the figure drawn without it is painted, at the frame shown then;
  // not if another figure (or none) came first (it has its own).
  /**
   * @param {number} generation
   * @param {any[]} sliders
   */
  addSliderAfterPaint(generation, sliders) {
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (generation !== this.generation) return;
        const atFrame = sliders.map((slider) => Object.assign({}, slider, { active: this.index }));
        plotly().relayout(this.div, { sliders: atFrame });
      }),
    );
  }

  // The options of a play: without plotly's full redraw when the painter paints.
  /** @param {number} duration */
  frameOptions(duration) {
    return { duration, redraw: !this.painter.active };
  }

  attachEvents() {
    // Plotly.purge removes the listeners, so they are attached after every newPlot (and kept
    // across Plotly.react).
    const div = this.div;
    this.eventsAttached = true;
    div.on('plotly_animatingframe', (event) => {
      // Fired as plotly starts to apply a frame, in the animation frame it will be painted in:
      // a frame plotly will not redraw is painted now, from plotly's own computed frame.
      if (event.animation && event.animation.frame && event.animation.frame.redraw === false && event.frame) {
        if (this.painter.active) this.painter.paint(Object.assign({ name: event.name }, event.frame));
        else plotly().redraw(div); // not expected: a redraw: false frame of a figure not painted
      }
      // Steps report themselves once drawn (runSteps); here only play moves k on.
      if (!this.playing) return;
      const index = this.names.indexOf(String(event.name));
      if (index >= 0) this.index = index;
      this.report();
    });
    div.on('plotly_afterplot', () => this.painter.redrawn());
    div.on('plotly_buttonclicked', (event) => {
      const label = event && event.button && event.button.label;
      if (label === 'Play') this.playing = true;
      if (label === 'Pause') this.playing = false;
      // plotly plays the one frame there: play waits for the others (addFrames)
      if (this.framesToCome) this.playWanted = this.playing;
      this.report();
    });
    // The end of play (steps end in runSteps, which reports the k they drew: reporting here
    // after a step would announce a k still being drawn).
    div.on('plotly_animated', () => {
      if (!this.playing || this.playWanted) return;
      this.playing = false;
      this.report();
    });
    div.on('plotly_animationinterrupted', () => {
      if (!this.playing) return;
      this.playing = false;
      this.report();
    });
  }

  report() {
    this.onFrame({
      index: this.index,
      count: this.count,
      k: this.count ? Number(this.names[this.index]) : 0,
      playing: this.playing,
    });
  }

  // Plays on from the frame on screen (from the first when at the last), as the figure's Play
  // button. The frames are named, not taken "from current": plotly's current frame lags a step
  // that is still being drawn.
  play() {
    if (!this.count) return;
    if (this.framesToCome) {
      this.playWanted = this.playing = true;
      this.report();
      return;
    }
    const atEnd = this.index >= this.count - 1;
    this.stepToken++;
    this.playing = true;
    this.report();
    animate(this.div, this.names.slice(atEnd ? 0 : this.index + 1), {
      mode: 'immediate',
      frame: this.frameOptions(this.frameDurationMs),
      transition: { duration: 0 },
    });
  }

  pause() {
    if (!this.count) return;
    this.stepToken++;
    this.playWanted = false;
    animate(this.div, [null], {
      mode: 'immediate',
      frame: { duration: 0, redraw: false },
      transition: { duration: 0 },
    });
    this.playing = false;
    this.report();
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  goTo(index) {
    if (!this.count) return;
    this.playing = this.playWanted = false;
    if (this.framesToCome) {
      this.wantedIndex = Math.max(0, Math.min(this.count - 1, index));
      this.report();
      return;
    }
    this.index = Math.max(0, Math.min(this.count - 1, index)); // the next step counts from here
    this.stepToken++;
    if (!this.stepping) this.stepping = this.runSteps(this.generation);
  }

  // Steps are drawn one at a time: a step never interrupts one plotly is still drawing (an
  // interrupted redraw can land after the newer frame, leaving the marker behind the images).
  // Keys pressed meanwhile coalesce into one step to the latest k, and k is reported only once
  // plotly has applied that frame (its images and the marker together).
  async runSteps(generation) {
    for (;;) {
      const token = this.stepToken;
      await animate(this.div, [this.names[this.index]], stepTo());
      if (generation !== this.generation) return; // a new figure: its own steps start afresh
      if (this.playing) break; // play took over
      if (token === this.stepToken) {
        this.report();
        break;
      }
    }
    this.stepping = null;
  }

  step(delta) {
    this.goTo((this.wantedIndex !== null ? this.wantedIndex : this.index) + delta);
  }

  // The speed control: changes the Play button's (and this view's) frame duration in place.
  setFrameDuration(ms) {
    this.frameDurationMs = ms;
    if (!this.count) return;
    const wasPlaying = this.playing;
    plotly().relayout(this.div, playButtonUpdate(this.div, 'frame.duration', ms));
    if (wasPlaying) {
      this.pause();
      this.play();
    }
  }

  clear() {
    this.generation++;
    this.stepping = null;
    this.painter.clear();
    this.givenDomains = null;
    if (this.div.data) plotly().purge(this.div);
    this.eventsAttached = false;
    this.framesToCome = this.playWanted = false;
    this.wantedIndex = null;
    this.names = [];
    this.index = 0;
    this.playing = false;
  }
}

// A figure's frame names in order, from its slider's steps (which name every frame, also those
// still to come).
/** @param {any} figure */
function sliderFrameNames(figure) {
  const slider = (figure.layout.sliders || [])[0];
  return slider ? slider.steps.map((/** @type {any} */ step) => String(step.args[0][0])) : [];
}

// The figure's Play button plays at the page's speed, and without plotly's full redraw of every
// frame when the painter paints them ({duration, redraw}: its frame options).
/**
 * @param {any} layout
 * @param {{duration?: number, redraw?: boolean}} frame
 */
function setPlayButton(layout, frame) {
  layout.updatemenus = (layout.updatemenus || []).map((menu) =>
    Object.assign({}, menu, {
      buttons: (menu.buttons || []).map((button) => {
        if (button.label !== 'Play') return button;
        const args = JSON.parse(JSON.stringify(button.args));
        args[1] = Object.assign({}, args[1], { frame: Object.assign({}, args[1].frame, frame) });
        return Object.assign({}, button, { args });
      }),
    }),
  );
}

// A Plotly.relayout update setting one frame option (e.g. 'frame.duration') of the Play button.
/**
 * @param {any} div
 * @param {string} option
 * @param {number | boolean} value
 */
function playButtonUpdate(div, option, value) {
  /** @type {Record<string, number | boolean>} */
  const update = {};
  (div.layout.updatemenus || []).forEach((menu, m) =>
    (menu.buttons || []).forEach((button, b) => {
      if (button.label === 'Play') update[`updatemenus[${m}].buttons[${b}].args[1].${option}`] = value;
    }),
  );
  return update;
}

// A small chart of explained variance: per component (bars) and cumulative (line), with the
// chosen K marked.
function drawVariance(div, ratio, nComponents) {
  const n = ratio.length;
  const ks = Array.from({ length: n }, (_, i) => i + 1);
  const cumulative = new Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cumulative[i] = sum += ratio[i];
  const shown = Math.min(n, Math.max(20, Math.ceil(nComponents * 1.5)));
  const data = [
    {
      type: 'bar',
      x: ks,
      y: Array.from(ratio, (r) => 100 * r),
      name: 'per component',
      marker: { color: '#7a9ad8' },
      hovertemplate: 'component %{x}: %{y:.2f}%<extra></extra>',
    },
    {
      type: 'scatter',
      mode: 'lines',
      x: ks,
      y: cumulative.map((c) => 100 * c),
      name: 'cumulative',
      yaxis: 'y2',
      line: { color: '#d62728', width: 2 },
      hovertemplate: 'first %{x}: %{y:.1f}%<extra></extra>',
    },
  ];
  const layout = {
    margin: { l: 42, r: 46, t: 22, b: 32 },
    showlegend: true,
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.01, yanchor: 'bottom', font: { size: 10 } },
    xaxis: { range: [0.5, shown + 0.5], title: { text: 'component', standoff: 2, font: { size: 11 } }, tickfont: { size: 10 } },
    yaxis: { title: { text: '% per component', font: { size: 10 } }, rangemode: 'tozero', tickfont: { size: 10 }, ticksuffix: '%' },
    yaxis2: {
      overlaying: 'y',
      side: 'right',
      range: [0, 100],
      autorange: false,
      tickvals: [0, 25, 50, 75, 100],
      ticktext: ['0%', '25%', '50%', '75%', '100%'],
      tickfont: { size: 10 },
      ticksuffix: '%',
      showgrid: false,
    },
    shapes: [
      {
        type: 'line',
        xref: 'x',
        yref: 'paper',
        x0: nComponents + 0.5,
        x1: nComponents + 0.5,
        y0: 0,
        y1: 1,
        line: { color: '#333', dash: 'dot', width: 1 },
      },
    ],
  };
  plotly().react(div, data, layout, { responsive: true, displayModeBar: false });
}

export { FigureView, drawVariance, sliderFrameNames };
