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
/* global Plotly */
(function (root) {
  'use strict';

  const ASSETS_SCRIPT = 'export-assets.js';

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

  // The assets script, loaded once, on demand (a rejected load may be retried).
  let assetsPromise = null;
  function loadAssets() {
    if (root.PCA_EXPORT_ASSETS) return Promise.resolve(root.PCA_EXPORT_ASSETS);
    if (!assetsPromise) {
      assetsPromise = new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = ASSETS_SCRIPT;
        script.onload = () => {
          if (root.PCA_EXPORT_ASSETS) resolve(root.PCA_EXPORT_ASSETS);
          else reject(new Error(`${ASSETS_SCRIPT} did not define the export assets`));
        };
        script.onerror = () => {
          script.remove();
          assetsPromise = null;
          reject(new Error(`could not load ${ASSETS_SCRIPT}, which holds plotly.js for the standalone page`));
        };
        document.head.append(script);
      });
    }
    return assetsPromise;
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
    const name = String(datasetName || 'data')
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

  async function downloadPng(div, meta) {
    // At the size drawn on screen (toImage's default is 700×450 for an autosized figure).
    const drawn = div._fullLayout || {};
    const width = Math.round(drawn.width || div.clientWidth || 700);
    const height = Math.round(drawn.height || div.clientHeight || 450);
    const url = await Plotly.toImage(div, { format: 'png', width, height });
    const comma = url.indexOf(',');
    if (!url.startsWith('data:image/png;base64,') || comma < 0) throw new Error('plotly did not return a PNG');
    const binary = atob(url.slice(comma + 1)); // not fetch(url): the CSP forbids every connection
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const k = Number(meta.k);
    return download(new Blob([bytes], { type: 'image/png' }), `${fileStem(meta)}${Number.isFinite(k) ? `-at-${k}` : ''}.png`);
  }

  // The three buttons: enabled while a figure is on screen; one export at a time.
  // current() -> {json, datasetName, sampleIndex, nComponents, frameDurationMs, k} or null;
  // plainFigureJson(shown) -> a promise of that figure's JSON with plain number lists.
  class ExportControls {
    constructor({ html, json, png, figureDiv, current, plainFigureJson, onError = () => {} }) {
      this.buttons = { html, json, png };
      this.figureDiv = figureDiv;
      this.current = current;
      this.plainFigureJson = plainFigureJson;
      this.onError = onError;
      this.running = false;
      html.addEventListener('click', () => this.run('html'));
      json.addEventListener('click', () => this.run('json'));
      png.addEventListener('click', () => this.run('png'));
      this.refresh();
    }

    // (Not disabled while an export runs, which would drop the keyboard focus: a click then waits.)
    refresh() {
      const disabled = !this.current();
      for (const button of Object.values(this.buttons)) button.disabled = disabled;
    }

    async run(kind) {
      const shown = this.current();
      if (!shown || this.running) return;
      this.running = true;
      this.refresh();
      try {
        if (kind === 'html') await downloadHtml(shown.json, shown);
        else if (kind === 'json') downloadJson(await this.plainFigureJson(shown), shown);
        else await downloadPng(this.figureDiv, shown);
      } catch (error) {
        this.onError(`Could not export the figure as ${kind.toUpperCase()}: ${(error && error.message) || error}`);
      } finally {
        this.running = false;
        this.refresh();
      }
    }
  }

  root.PcaExport = Object.freeze({
    ExportControls,
    downloadHtml,
    downloadJson,
    downloadPng,
    // pure helpers (tests)
    standaloneHtml,
    scriptSafeJs,
    scriptSafeJson,
    htmlEscape,
    fileStem,
  });
})(typeof self !== 'undefined' ? self : this);
