// Where a first visit's time goes, our page beside the bare one (tests/bench/first-visit.js): a
// Chromium performance trace of each, from file://, a cold browser for every run, taking turns,
// cut at the first figure painted and summed per phase on the page's main thread (self time:
// parsing HTML, each script's compile and run, style, layout, paint, GC, idle) and on its other
// threads (background script parsing and compiling).
//   node tests/bench/first-visit-trace.js [--runs R] [--dist DIR] [--other DIR] [--keep DIR] [--profile]
// Prints one JSON object: per page, the median of each phase in ms over the runs.
// (--keep: writes each raw trace there, for chrome://tracing or Perfetto.)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { launchChromium } = require('../e2e/helpers');
const { writeBarePage, firstFigureProbe, median } = require('./first-visit');

const ROOT = path.resolve(__dirname, '..', '..');
const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.execute',
  'blink.user_timing',
  'loading',
  'toplevel',
];
const PROFILER = 'disabled-by-default-v8.cpu_profiler'; // --profile: JS samples, for --keep's traces

function args() {
  const out = { runs: 3, dist: path.join(ROOT, 'dist'), other: null, keep: null };
  const argv = process.argv.slice(2);
  const profile = argv.includes('--profile');
  if (profile) argv.splice(argv.indexOf('--profile'), 1);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return {
    profile,
    runs: Number(out.runs),
    dist: path.resolve(out.dist),
    other: out.other ? path.resolve(out.other) : null,
    keep: out.keep ? path.resolve(out.keep) : null,
  };
}

// The phase a main-thread event's self time counts in; scripts by file (script: NAME).
function phaseOf(name, url) {
  if (name === 'ParseHTML') return 'parse HTML';
  if (name === 'ParseAuthorStyleSheet') return 'parse CSS';
  if (name === 'UpdateLayoutTree' || name === 'RecalculateStyles') return 'style';
  if (name === 'Layout') return 'layout';
  if (/^(Paint|PrePaint|Layerize|UpdateLayer|UpdateLayerTree|CompositeLayers|Commit|PaintImage|RasterTask)$/.test(name)) return 'paint';
  if (/GC|Scavenge|MarkCompact/i.test(name)) return 'GC';
  if (url) return `script: ${path.basename(url.split('?')[0]) || url}`;
  if (/^(v8|V8)/.test(name) || /FunctionCall|EvaluateScript|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks/.test(name)) {
    return 'script: (no url)';
  }
  return `other: ${name}`;
}

const urlOf = (e) =>
  (e.args && e.args.data && (e.args.data.url || e.args.data.fileName || e.args.data.scriptName)) || (e.args && e.args.fileName) || '';

// Complete events of one thread, B/E pairs joined, sorted for nesting; cpu: the thread's own
// time in it (tdur, µs), which a busy machine's waits for a core do not inflate.
function spans(events) {
  const out = [];
  const open = [];
  for (const e of events) {
    if (e.ph === 'X') out.push({ name: e.name, ts: e.ts, end: e.ts + (e.dur || 0), cpu: e.tdur || 0, url: urlOf(e) });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b) out.push({ name: b.name, ts: b.ts, end: e.ts, cpu: (e.tts || 0) - (b.tts || 0), url: urlOf(b) || urlOf(e) });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || b.end - a.end);
}

// Self time per phase of the spans between t0 and t1 (µs in, ms out), wall and CPU ('cpu: '
// phases; a span across t0 or t1 counts its CPU in proportion); what no span covers is idle.
function selfTimes(list, t0, t1) {
  const totals = {};
  const add = (phase, wall, cpu) => {
    totals[phase] = (totals[phase] || 0) + wall / 1000;
    totals[`cpu: ${phase}`] = (totals[`cpu: ${phase}`] || 0) + cpu / 1000;
  };
  const stack = [];
  let covered = 0;
  let cpuCovered = 0;
  const close = (until) => {
    while (stack.length && stack[stack.length - 1].end <= until) stack.pop();
  };
  for (const s of list) {
    const ts = Math.max(s.ts, t0);
    const end = Math.min(s.end, t1);
    if (end <= ts) continue;
    close(ts);
    const parent = stack[stack.length - 1];
    const url = s.url || (parent ? parent.url : '');
    const cpu = s.end > s.ts ? (s.cpu * (end - ts)) / (s.end - s.ts) : 0;
    const span = { ts, end, url, phase: phaseOf(s.name, url) };
    if (parent) add(parent.phase, -(end - ts), -cpu);
    else {
      covered += end - ts;
      cpuCovered += cpu;
    }
    add(span.phase, end - ts, cpu);
    stack.push(span);
  }
  totals['idle (waiting)'] = (t1 - t0 - covered) / 1000;
  totals.cpu = cpuCovered / 1000;
  return totals;
}

// When (ms from navigation start) the page's HTML starts being parsed, plotly.js starts running,
// and plotly.js has run (DOMContentLoaded for ours, the bare page's inline script for it).
function milestones(events, background, t0) {
  const at = (e) => (e ? (e.ts - t0) / 1000 : 0);
  const plotly = events.find((e) => e.name === 'EvaluateScript' && /plotly/.test(urlOf(e)));
  const after = plotly
    ? events.find(
        (e) =>
          e.ts > plotly.ts + plotly.dur &&
          ((e.name === 'EventDispatch' && e.args.data.type === 'DOMContentLoaded') ||
            (e.name === 'EvaluateScript' && /\.html$/.test(urlOf(e)))),
      )
    : null;
  return {
    'at: HTML parsing starts': at(events.find((e) => e.name === 'ParseHTML')),
    'at: plotly.js compile starts': at(background.find((e) => e.name === 'v8.parseOnBackground' && /plotly/.test(urlOf(e)))),
    'at: plotly.js starts running': at(plotly),
    'at: plotly.js has run': at(after),
  };
}

// The trace's events summed: main thread of the page's renderer per phase, its other threads by
// event name, from navigation start to the first figure painted.
function summarize(trace, painted) {
  const events = trace.traceEvents || trace;
  const mark = events.find((e) => e.name === 'first-figure-painted');
  if (!mark) throw new Error('the trace has no first-figure-painted mark');
  const pid = mark.pid;
  const t1 = mark.ts;
  const t0 = t1 - painted * 1000;
  const names = new Map(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid).map((e) => [e.tid, e.args.name]));
  const byThread = new Map();
  for (const e of events) {
    if (e.pid !== pid || (e.ph !== 'X' && e.ph !== 'B' && e.ph !== 'E')) continue;
    if (!byThread.has(e.tid)) byThread.set(e.tid, []);
    byThread.get(e.tid).push(e);
  }
  const out = { 'first figure painted': painted };
  const mainTid = [...names].find(([, name]) => name === 'CrRendererMain')[0];
  const background = [...byThread].filter(([tid]) => tid !== mainTid).flatMap(([, list]) => list);
  Object.assign(
    out,
    milestones(
      byThread.get(mainTid) || [],
      background.sort((a, b) => a.ts - b.ts),
      t0,
    ),
  );
  for (const [tid, list] of byThread) {
    const thread = names.get(tid) || `thread ${tid}`;
    const totals = selfTimes(spans(list), t0, t1);
    const busy = painted - totals['idle (waiting)'];
    const key = thread === 'CrRendererMain' ? 'main thread' : 'the other threads';
    out[`busy: ${key}`] = (out[`busy: ${key}`] || 0) + busy;
    out[`cpu: ${key}`] = (out[`cpu: ${key}`] || 0) + totals.cpu;
    delete totals.cpu;
    if (thread === 'CrRendererMain') Object.assign(out, totals);
    else {
      delete totals['idle (waiting)'];
      delete totals['cpu: idle (waiting)'];
      for (const [phase, ms] of Object.entries(totals)) {
        if (ms >= 1) out[`${thread} / ${phase}`] = (out[`${thread} / ${phase}`] || 0) + ms;
      }
    }
  }
  return out;
}

async function tracedRun(url, keepFile, profile) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(firstFigureProbe);
    await page.addInitScript(() => window.__firstFigure.then(() => performance.mark('first-figure-painted')));
    await browser.startTracing(page, { categories: profile ? [...CATEGORIES, PROFILER] : CATEGORIES });
    await page.goto(url, { waitUntil: 'commit' });
    const { painted } = await page.evaluate(() => window.__firstFigure);
    const buffer = await browser.stopTracing();
    if (keepFile) fs.writeFileSync(keepFile, buffer);
    return summarize(JSON.parse(buffer.toString('utf8')), painted);
  } finally {
    await browser.close();
  }
}

async function main() {
  const { runs, dist, other, keep, profile } = args();
  const pages = { ours: pathToFileURL(path.join(dist, 'index.html')).href, bare: writeBarePage(dist) };
  if (other) pages.other = pathToFileURL(path.join(other, 'index.html')).href;
  if (keep) fs.mkdirSync(keep, { recursive: true });
  const names = Object.keys(pages);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      results[name].push(await tracedRun(pages[name], keep && path.join(keep, `${name}-${i}.json`), profile));
    }
  }
  fs.rmSync(path.join(dist, 'bare-plotly.html'));
  const phases = [...new Set(names.flatMap((n) => results[n].flatMap((r) => Object.keys(r))))];
  const table = {};
  for (const phase of phases) {
    table[phase] = Object.fromEntries(names.map((n) => [n, Math.round(median(results[n].map((r) => r[phase] || 0)))]));
  }
  const big = Object.fromEntries(Object.entries(table).filter(([, v]) => Object.values(v).some((ms) => ms >= 3)));
  const at = Object.fromEntries(
    phases
      .filter((p) => /^(at:|first figure)/.test(p))
      .map((p) => [p, Object.fromEntries(names.map((n) => [n, results[n].map((r) => Math.round(r[p] || 0))]))]),
  );
  console.log(JSON.stringify({ runs, medianMs: big, milestonesMs: at }, null, 1));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
