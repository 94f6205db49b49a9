// Functions that run inside the page (passed to page.evaluate or to an engine adapter's
// evaluate/waitFor, which serialise them), shared by the Chromium suites (helpers.js) and every
// engine (tests/engines/), and the rule for which URLs may be requested.
'use strict';

// file:, data:, blob: and the test server on 127.0.0.1: anything else would leave the machine.
function allowedUrl(url) {
  if (/^(file|data|blob|about):/.test(url)) return true;
  try {
    return new URL(url).hostname === '127.0.0.1';
  } catch (_) {
    return false;
  }
}

// Records every Content-Security-Policy violation of the document (a blocked request shows as
// one: the page's CSP allows no connection at all) in window.__cspViolations.
function cspListener() {
  window.__cspViolations = window.__cspViolations || [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
  });
}

// What left or tried to leave the page: CSP violations seen, and every resource the document
// fetched (Resource Timing) that is not local.
function networkEvidence() {
  const local = (url) => /^(file|data|blob|about):/.test(url) || new URL(url).hostname === '127.0.0.1';
  return {
    violations: window.__cspViolations || null,
    resources: performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .filter((name) => !local(name)),
  };
}

// What the figure shows now: for each panel, the <image> elements plotly rendered in its subplot
// group (a heatmap's or an RGB image trace's picture), plus the values of the pictures as plotly
// computed them (calcdata): H rows of numbers for a heatmap, H rows of [r, g, b] for an image.
function figureSnapshot() {
  const gd = document.getElementById('figure');
  const count = (selector) => gd.querySelectorAll(selector).length;
  const panels = {};
  for (const id of ['xy', 'x2y2', 'x3y3', 'x4y4']) {
    panels[id] = count(`.cartesianlayer .subplot.${id} image`);
  }
  const z = (trace) => Array.from(gd.calcdata[trace][0].z, (row) => Array.from(row, (v) => (typeof v === 'number' ? v : Array.from(v))));
  return {
    panels,
    allImages: count('.cartesianlayer image'),
    axes: gd._fullData.map((t) => `${t.type}:${t.xaxis}${t.yaxis}`),
    k: Number(document.body.dataset.frameK),
    frameIndex: Number(document.body.dataset.frameIndex),
    title: gd._fullLayout.title.text,
    markerK: gd._fullLayout.shapes[0].xanchor,
    original: z(0),
    reconstruction: z(1),
    residual: z(2),
  };
}

// The pixels shown in each image panel: its <image> element's picture (a data: or blob: URL)
// drawn on a canvas, as {width, height, data} with counts of the pixels whose red differs from
// their green and of the colours (a gray picture has none of the first).
async function picturePixels() {
  const out = {};
  for (const id of ['xy', 'x2y2', 'x3y3']) {
    const element = document.querySelector(`#figure .cartesianlayer .subplot.${id} image`);
    if (!element) {
      out[id] = null;
      continue;
    }
    const picture = new Image();
    picture.src = element.getAttribute('href') || element.getAttribute('xlink:href');
    await picture.decode();
    const canvas = document.createElement('canvas');
    canvas.width = picture.naturalWidth;
    canvas.height = picture.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(picture, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let redNotGreen = 0;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] !== data[i + 1]) redNotGreen++;
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    out[id] = { width: canvas.width, height: canvas.height, redNotGreen, colours: colours.size, data: Array.from(data) };
  }
  return out;
}

// Watches every animation frame (what the browser is about to paint) until stopPaintWatch:
// frames seen, frames where an image panel had no picture (a blink) or two, and the k values shown.
function startPaintWatch() {
  const watch = (window.__paintWatch = { ticks: 0, blank: 0, extra: 0, ks: [], running: true });
  const tick = () => {
    watch.ticks++;
    for (const id of ['xy', 'x2y2', 'x3y3']) {
      const n = document.querySelectorAll(`#figure .subplot.${id} image`).length;
      if (n === 0) watch.blank++;
      if (n > 1) watch.extra++;
    }
    const k = Number(document.body.dataset.frameK);
    if (watch.ks[watch.ks.length - 1] !== k) watch.ks.push(k);
    if (watch.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function stopPaintWatch() {
  window.__paintWatch.running = false;
  const { ticks, blank, extra, ks } = window.__paintWatch;
  return { ticks, blank, extra, ks };
}

// The centre of the figure's button labelled `text` (an SVG group plotly draws), in viewport
// coordinates, after scrolling it into view; null if there is none.
function buttonCentre(text) {
  const button = Array.from(document.querySelectorAll('#figure .updatemenu-button')).find((b) => b.textContent.trim() === text);
  if (!button) return null;
  button.scrollIntoView({ block: 'center' });
  const box = button.getBoundingClientRect();
  return { x: Math.round(box.left + box.width / 2), y: Math.round(box.top + box.height / 2) };
}

module.exports = {
  allowedUrl,
  cspListener,
  networkEvidence,
  figureSnapshot,
  picturePixels,
  startPaintWatch,
  stopPaintWatch,
  buttonCentre,
};
