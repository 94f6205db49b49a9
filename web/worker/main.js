// The worker bundle's entry (scripts/build-web.mjs bundles it into a classic script that the page
// starts from a Blob URL): the request handling of worker.js, answering on the worker's own port,
// with the WebAssembly module (build/wasm/pcarecon.js, wasm inlined).
import createPcaRecon from 'pcarecon';
import { createWorkerHandler } from './worker.js';

createWorkerHandler(/** @type {import('./worker.js').WorkerPort} */ (/** @type {unknown} */ (self)), createPcaRecon);
