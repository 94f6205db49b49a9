// The first visit's replies, made at build time (scripts/build-web.mjs): what the worker answers
// when the page loads the built-in sample with its build-time PCA (LOAD with `fitted`, FIT, SUMMARY,
// FIGURE of the page's default view), by the real worker code (web/worker/worker.js) on the shipped
// module under node. A first visit draws its figure from these, with no worker before it is painted
// (README, "A first visit"); web/page/first-visit.js reads them back.
import { createRequire } from 'node:module';
import { createWorkerHandler } from '../web/worker/worker.js';
import { Kind, Request } from '../web/shared/protocol.js';

const require = createRequire(import.meta.url);

// Asks a worker on a fake port, one request at a time; the reply's result, or throws its message.
function askWorker(modulePath) {
  /** @type {any[]} */
  const replies = [];
  const port = { onmessage: /** @type {any} */ (null), postMessage: (/** @type {any} */ message) => replies.push(message) };
  createWorkerHandler(port, (options) => require(modulePath)(options));
  let ids = 0;
  return async (/** @type {string} */ type, /** @type {object} */ payload) => {
    const id = ++ids;
    port.onmessage({ data: { ...payload, id, type } });
    for (;;) {
      const reply = replies.find((r) => r.id === id && r.kind !== Kind.PROGRESS);
      if (reply && reply.kind === Kind.RESULT) return reply.result;
      if (reply) throw new Error(`the worker answered ${type} with: ${reply.message}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
}

// Typed arrays as {typed: constructor name, base64} (JSON has none); first-visit.js turns them back.
function encodeTyped(value) {
  if (ArrayBuffer.isView(value)) {
    return { typed: value.constructor.name, base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(encodeTyped);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeTyped(v)]));
  return value;
}

/**
 * @param {string} modulePath build/wasm/pcarecon.js
 * @param {{name: string, npy: Uint8Array, fitted: {fit: object, arrays: Record<string, Uint8Array>}, params: object, gallery: number, loadOptions: object}} visit
 *   the sample's .npy bytes, its build-time model (default-basis.mjs), the page's default figure
 *   parameters and SUMMARY's gallery (web/page/state.js DEFAULTS), LOAD's other settings as the
 *   page sends them
 * @returns {Promise<object>} {name, params, load, fit, summary, figure}, typed arrays encoded
 */
export async function firstVisitReplies(modulePath, { name, npy, fitted, params, gallery, loadOptions }) {
  const ask = askWorker(modulePath);
  const load = await ask(Request.LOAD, { ...loadOptions, source: { bytes: npy }, fitted });
  const fit = await ask(Request.FIT, { nComponents: params.nComponents });
  const summary = await ask(Request.SUMMARY, { gallery });
  const figure = await ask(Request.FIGURE, { parts: true, ...params });
  return encodeTyped({ name, params, load, fit, summary, figure });
}
