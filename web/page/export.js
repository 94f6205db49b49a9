// Downloads of the figure on screen, all made in this page (a Blob and an <a download>): nothing
// is uploaded and no request is made, so they work under the page's CSP (connect-src 'none') and
// from file://.
//   HTML  a standalone page that plays offline, the equivalent of plotly.py's write_html: the
//         template wasm/standalone_template.html (the one `pcarecon render` compiles in) filled
//         with plotly.js and the figure, exactly as the core fills it (wasm/standalone_html.cpp).
//         The template and plotly.js's source come from export-assets.js, a classic script made by
//         scripts/build-web.mjs and loaded with a <script> tag on the first HTML export only.
//   JSON  the figure {data, layout, frames} with plain number lists, which plotly.py 5 reads
//         (plotly.io.from_json) -- it predates plotly.js's base64 typed arrays ({dtype, bdata}),
//         so the core builds it again with binaryArrays: false (as `pcarecon --plain-arrays`).
//   PNG   the frame on screen, as plotly draws it (Plotly.toImage).
//   GIF   the whole animation, one GIF frame per figure frame at the speed shown: each frame is
//         drawn by plotly off screen (Plotly.toImage of the figure with that frame applied, so
//         the figure on screen does not move) and encoded with gifenc (npm, MIT), bundled apart
//         (vendor/gifenc.js, from page/gifenc-entry.js) and loaded on the first GIF export only.
//         One frame at a time, yielding between frames: the page stays responsive, and a progress
//         bar with Cancel (or Escape) shows how far it is.
import { ErrorCode, errorCode, codedError } from '../shared/error-codes.js';
import { required, loadGenerated } from './generated.js';
import { bytesOfBase64 } from './base64.js';
import { webmSupport, encodeWebm, MUXER_SCRIPT } from './webm-export.js';

const ASSETS_SCRIPT = 'export-assets.js';
const plotly = () => required('Plotly');
const GIFENC_SCRIPT = 'vendor/gifenc.js';

// ---- the standalone page ----------------------------------------------------------------------
function htmlEscape(text) {
  const entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return String(text).replace(/[&<>"']/g, (c) => entities[c]);
}

// JavaScript that cannot end or confuse its <script> element (as script_safe_js in the core).
function scriptSafeJs(source) {
  return source.replace(/<\/(script)/gi, (_, word) => `<\\/${word}`).replace(/<!--/g, '<\\!--');
}

// JSON whose every '<' is written \u003c (it occurs only inside strings, where that is the same).
function scriptSafeJson(value) {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

// Fills the template's three placeholders in one pass (the text put in is not searched again);
// a function replacement, so `$&` and the like in plotly.js's source stay as they are.
function standaloneHtml(template, plotlyJs, figure, title) {
  if (!plotlyJs || !plotlyJs.includes('newPlot')) throw new Error('the plotly.js source does not look like plotly.js');
  const fill = {
    TITLE: () => htmlEscape(title),
    PLOTLY_JS: () => scriptSafeJs(plotlyJs),
    FIGURE_JSON: () => scriptSafeJson(figure),
  };
  return template.replace(/\{\{(TITLE|PLOTLY_JS|FIGURE_JSON)\}\}/g, (_, name) => fill[name]());
}

function loadAssets() {
  return loadGenerated(ASSETS_SCRIPT, 'PCA_EXPORT_ASSETS', 'plotly.js for the standalone page');
}

// ---- the figure to export ---------------------------------------------------------------------
// The speed control changes the Play button on screen without rebuilding the figure: the export
// plays at the speed shown.
function withPlayDuration(figure, ms) {
  for (const menu of (figure.layout && figure.layout.updatemenus) || []) {
    for (const button of menu.buttons || []) {
      if (button.label === 'Play' && button.args && button.args[1] && button.args[1].frame) button.args[1].frame.duration = ms;
    }
  }
  return figure;
}

// "pca-reconstruction-fashion-mnist-sample-sample-3-k-50"
function fileStem({ datasetName, sampleIndex, nComponents }) {
  const name =
    String(datasetName || 'data')
      .replace(/\.npy$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'data';
  return `pca-reconstruction-${name}-sample-${sampleIndex}-k-${nComponents}`;
}

function titleOf({ datasetName, sampleIndex, nComponents }) {
  return `PCA reconstruction: ${datasetName}, sample ${sampleIndex}, k = 0 to ${nComponents}`;
}

// ---- downloads ----------------------------------------------------------------------------------
function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000); // the download has started long before
  return { filename, size: blob.size };
}

// figureJson: the core's figure as the worker gave it; meta: {datasetName, sampleIndex,
// nComponents, frameDurationMs} of the figure on screen.
async function downloadHtml(figureJson, meta) {
  const assets = await loadAssets();
  const figure = withPlayDuration(JSON.parse(figureJson), meta.frameDurationMs);
  const html = standaloneHtml(assets.template, assets.plotly, figure, titleOf(meta));
  return download(new Blob([html], { type: 'text/html;charset=utf-8' }), `${fileStem(meta)}.html`);
}

// plainFigureJson: the same figure built by the core with plain number lists.
function downloadJson(plainFigureJson, meta) {
  const figure = withPlayDuration(JSON.parse(plainFigureJson), meta.frameDurationMs);
  const text = JSON.stringify(figure) + '\n';
  return download(new Blob([text], { type: 'application/json' }), `${fileStem(meta)}.json`);
}

// The size the figure is drawn at on screen (toImage's default is 700×450 for an autosized figure).
function drawnSize(div) {
  const drawn = div._fullLayout || {};
  return {
    width: Math.round(drawn.width || div.clientWidth || 700),
    height: Math.round(drawn.height || div.clientHeight || 450),
  };
}

async function downloadPng(div, meta) {
  const { width, height } = drawnSize(div);
  const url = await plotly().toImage(div, { format: 'png', width, height });
  const comma = url.indexOf(',');
  if (!url.startsWith('data:image/png;base64,') || comma < 0) throw new Error('plotly did not return a PNG');
  const bytes = bytesOfBase64(url.slice(comma + 1)); // not fetch(url): the CSP forbids every connection
  const k = Number(meta.k);
  return download(new Blob([bytes], { type: 'image/png' }), `${fileStem(meta)}${Number.isFinite(k) ? `-at-${k}` : ''}.png`);
}

// ---- the animated GIF ---------------------------------------------------------------------------
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

// A frame's layout over the base layout, as Plotly.animate applies it: objects key by key, arrays
// of objects (shapes, annotations) item by item, anything else replaced. Returns new objects.
function mergeLayout(base, patch) {
  if (Array.isArray(patch)) {
    const items = Array.isArray(base) ? base : [];
    return patch.map((item, i) => (isObject(item) ? mergeLayout(items[i], item) : item));
  }
  if (!isObject(patch)) return patch;
  const out = isObject(base) ? Object.assign({}, base) : {};
  for (const [key, value] of Object.entries(patch)) out[key] = mergeLayout(out[key], value);
  return out;
}

// The figure {data, layout} showing frame `index` of `figure` (the core's {data, layout, frames}),
// drawn with `layout` (the page's layout on screen): the frame's traces replace the base traces
// at their `traces` indices (keeping the base trace's other attributes, its axes included) and
// its layout is merged in; the slider under the figure points at the frame, as when playing.
function frameFigure(figure, layout, index) {
  const frame = figure.frames[index];
  const data = figure.data.slice();
  const targets = frame.traces || frame.data.map((_, i) => i);
  targets.forEach((target, i) => {
    data[target] = Object.assign({}, figure.data[target], frame.data[i]);
  });
  const merged = mergeLayout(layout, frame.layout || {});
  if (Array.isArray(merged.sliders)) merged.sliders = merged.sliders.map((slider) => Object.assign({}, slider, { active: index }));
  return { data, layout: merged };
}

function gifCancelled() {
  return codedError('cancelled', ErrorCode.CANCELLED);
}

// The frames of the figure on screen, for the GIF and the WebM: figureJson the core's figure as
// the worker gave it; div the plot on screen (its layout and size). png(i) draws frame i off
// screen and resolves with its PNG data URL.
function frameImages(figureJson, div) {
  const figure = JSON.parse(figureJson);
  const count = (figure.frames || []).length;
  if (!count) throw new Error('the figure has no animation frames');
  const layout = JSON.parse(JSON.stringify(div.layout || figure.layout));
  const { width, height } = drawnSize(div);
  const png = (i) => plotly().toImage(frameFigure(figure, layout, i), { format: 'png', width, height });
  return { count, width, height, png };
}

// Draws a PNG data URL into the canvas, scaled to width×height, on white (GIF and WebM frames).
async function drawUrl(url, context, width, height) {
  const image = new Image();
  image.src = url; // a data: URL (img-src allows it): no request
  await image.decode();
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  context.drawImage(image, 0, 0, width, height);
}

// Draws a PNG data URL into the canvas and returns its RGBA pixels.
async function pixelsOf(url, context, width, height) {
  await drawUrl(url, context, width, height);
  return context.getImageData(0, 0, width, height).data;
}

// A GIF frame's delay: browsers show delays under 20 ms as 100 ms, so the display-rate speed
// (0 ms a frame) is stored as 20 ms, the fastest a GIF plays.
/** @param {number} ms */
function gifDelay(ms) {
  return Math.max(20, ms);
}

// Encodes every frame of the figure on screen (figureJson: the core's figure as the worker gave
// it; div: the plot on screen, for its layout and size) into an animated GIF that loops, each
// frame shown for frameDurationMs. job: {cancelled} (checked between frames);
// onProgress(done, total). Resolves with the GIF's bytes.
/**
 * @param {string} figureJson
 * @param {any} div
 * @param {{frameDurationMs: number, job?: {cancelled?: boolean}, onProgress?: (done: number, total: number) => void}} options
 */
async function encodeGif(figureJson, div, { frameDurationMs, job = {}, onProgress = () => {} }) {
  const { GIFEncoder, quantize, applyPalette } = await loadGenerated(GIFENC_SCRIPT, 'gifenc', 'the GIF encoder');
  const { count, width, height, png } = frameImages(figureJson, div);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const gif = GIFEncoder();
  onProgress(0, count);
  for (let i = 0; i < count; i++) {
    if (job.cancelled) throw gifCancelled();
    const url = await png(i);
    if (job.cancelled) throw gifCancelled();
    const rgba = await pixelsOf(url, context, width, height);
    const palette = quantize(rgba, 256); // one palette per frame: the colours change with k
    gif.writeFrame(applyPalette(rgba, palette), width, height, { palette, delay: gifDelay(frameDurationMs) });
    onProgress(i + 1, count);
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page handle input and paint
  }
  gif.finish();
  return gif.bytes();
}

// meta as for downloadHtml; options as for encodeGif.
async function downloadGif(figureJson, div, meta, options = {}) {
  const bytes = await encodeGif(figureJson, div, Object.assign({ frameDurationMs: meta.frameDurationMs }, options));
  return download(new Blob([bytes], { type: 'image/gif' }), `${fileStem(meta)}.gif`);
}

// ---- the WebM video (webm-export.js encodes; the frames are drawn here as for the GIF) ----------

// meta as for downloadHtml; options: {job, onProgress} as for encodeGif.
async function downloadWebm(figureJson, div, meta, options = {}) {
  const { count, width, height, png } = frameImages(figureJson, div);
  const bytes = await encodeWebm({
    count,
    width,
    height,
    frameDurationMs: meta.frameDurationMs,
    drawFrame: async (i, context, w, h) => drawUrl(await png(i), context, w, h),
    loadMuxer: () => loadGenerated(MUXER_SCRIPT, 'webmMuxer', 'the WebM muxer'),
    cancelledError: gifCancelled,
    ...options,
  });
  return download(new Blob([bytes], { type: 'video/webm' }), `${fileStem(meta)}.webm`);
}

// The five buttons: enabled while a figure is on screen; one export at a time.
// current() -> {json, datasetName, sampleIndex, nComponents, frameDurationMs, k} or null;
// plainFigureJson(shown) -> a promise of that figure's JSON with plain number lists;
// figureJson(shown) -> a promise of that figure's JSON as the core builds it (base64 arrays), for
// HTML, GIF and WebM when current() gives no json;
// gifProgress: {box, bar, label, cancel}, the GIF's progress bar and its Cancel button.
class ExportControls {
  /** @param {{html: any, json: any, png: any, gif: any, webm: any, gifProgress: any, figureDiv: any, current: () => any, plainFigureJson: (shown: any) => Promise<string>, figureJson?: (shown: any) => Promise<string>, onError?: (message: string) => void, onNotice?: (message: string) => void}} options */
  constructor({
    html,
    json,
    png,
    gif,
    webm,
    gifProgress,
    figureDiv,
    current,
    plainFigureJson,
    figureJson = async (shown) => shown.json,
    onError = () => {},
    onNotice = () => {},
  }) {
    this.buttons = { html, json, png, gif, webm };
    // Why the WebM button is disabled in this browser (no WebCodecs VP8/VP9), once known; null: it works.
    /** @type {string | null} */
    this.webmUnsupported = 'Checking whether this browser can encode video…';
    this.webmChecked = false; // the check starts once the first figure is painted (refresh)
    this.gifProgress = gifProgress;
    this.figureDiv = figureDiv;
    this.current = current;
    this.plainFigureJson = plainFigureJson;
    this.figureJson = figureJson;
    this.onError = onError;
    this.onNotice = onNotice;
    this.running = false;
    this.gifJob = null; // {cancelled} while a GIF is being made
    html.addEventListener('click', () => this.run('html'));
    json.addEventListener('click', () => this.run('json'));
    png.addEventListener('click', () => this.run('png'));
    gif.addEventListener('click', () => this.run('gif'));
    webm.addEventListener('click', () => this.run('webm'));
    gifProgress.cancel.addEventListener('click', () => this.cancelGif());
    this.onEscape = (event) => {
      if (event.key === 'Escape' && this.gifJob) {
        event.preventDefault();
        this.cancelGif();
      }
    };
    this.refresh();
  }

  cancelGif() {
    if (this.gifJob) this.gifJob.cancelled = true;
  }

  // The GIF (or the WebM) of the figure on screen, with its progress bar; the figure on screen is
  // not touched.
  async runGif(shown, kind = 'gif') {
    const { box, bar, label, cancel } = this.gifProgress;
    const job = (this.gifJob = { cancelled: false });
    const name = kind === 'webm' ? 'WebM' : 'GIF';
    const button = this.buttons[kind];
    const restoreFocus = document.activeElement === button;
    label.textContent = `Making the ${name}…`;
    bar.removeAttribute('value'); // indeterminate while the encoder loads
    box.hidden = false;
    document.addEventListener('keydown', this.onEscape);
    try {
      const encode = kind === 'webm' ? downloadWebm : downloadGif;
      await encode(shown.json, this.figureDiv, shown, {
        job,
        onProgress: (done, total) => {
          bar.max = total;
          bar.value = done;
          label.textContent = `Making the ${name}: frame ${done} of ${total}`;
        },
      });
    } catch (error) {
      if (errorCode(error) !== ErrorCode.CANCELLED) throw error;
      this.onNotice(`${name} export cancelled: nothing was downloaded.`);
    } finally {
      document.removeEventListener('keydown', this.onEscape);
      this.gifJob = null;
      const hadFocus = document.activeElement === cancel;
      box.hidden = true;
      if (hadFocus || restoreFocus) button.focus(); // the focus does not fall to <body>
    }
  }

  // (Not disabled while an export runs, which would drop the keyboard focus: a click then waits.)
  refresh() {
    const disabled = !this.current();
    if (!disabled && !this.webmChecked) this.checkWebm();
    for (const button of Object.values(this.buttons)) button.disabled = disabled;
    const webm = this.buttons.webm;
    if (this.webmUnsupported) webm.disabled = true;
    webm.title = this.webmUnsupported || 'The whole animation as a WebM video (WebCodecs), at the speed shown';
  }

  // Asking Chromium's video encoder the first time costs about 150 ms of this thread (its media
  // stack starts): not before the first figure is on screen, after its paint.
  checkWebm() {
    this.webmChecked = true;
    const webm = this.buttons.webm;
    requestAnimationFrame(() =>
      setTimeout(() =>
        webmSupport().then((support) => {
          this.webmUnsupported = support.codec ? null : support.reason;
          webm.dataset.codec = support.codec ? support.codec.name : '';
          this.refresh();
        }),
      ),
    );
  }

  async run(kind) {
    const shown = this.current();
    if (!shown || this.running) return;
    this.running = true;
    this.refresh();
    try {
      if ((kind === 'html' || kind === 'gif' || kind === 'webm') && !shown.json) shown.json = await this.figureJson(shown);
      if (kind === 'html') await downloadHtml(shown.json, shown);
      else if (kind === 'json') downloadJson(await this.plainFigureJson(shown), shown);
      else if (kind === 'gif') await this.runGif(shown);
      else if (kind === 'webm') await this.runGif(shown, 'webm');
      else await downloadPng(this.figureDiv, shown);
    } catch (error) {
      this.onError(`Could not export the figure as ${kind.toUpperCase()}: ${(error && error.message) || error}`);
    } finally {
      this.running = false;
      this.refresh();
    }
  }
}

export {
  ExportControls,
  downloadHtml,
  downloadJson,
  downloadPng,
  downloadGif,
  downloadWebm,
  // pure helpers (tests)
  frameFigure,
  mergeLayout,
  standaloneHtml,
  scriptSafeJs,
  scriptSafeJson,
  htmlEscape,
  fileStem,
};
