// The worker's request handling: runs the WebAssembly module off the main thread and answers the
// requests defined in shared/protocol.js. createWorkerHandler(port, createModule) wires it to a
// port (worker/main.js: `self`; the node tests: a fake port), so the same code runs in both.
// The page starts two workers from the same source: the one it talks to, and a helper joined to
// it by a MessagePort (worker-helper.js) that takes part of a fit or a stream.
import { Request, CANCEL, Kind, Phase, ErrorCode, transferablesOf, errorMessage } from '../shared/protocol.js';
import { errorCode } from '../shared/error-codes.js';
import { createLink } from './worker-helper.js';
import { load, fit, summary, spectrum, images, figure, debugFault, probeBlob } from './requests.js';
import { createReader, sourceFrom } from './port-blob.js';
import { distortions } from './dataset-distortions.js';
import { rangeImage } from './range-request.js';
import { gridFrames } from './grid-request.js';
import { warmUp } from './warm-up.js';

/** @typedef {import('../../wasm/pcarecon').PcaReconModule} PcaReconModule */
/** @typedef {import('../../wasm/pcarecon').Explorer} Explorer */
/** @typedef {import('../../wasm/pcarecon').ModuleOptions} ModuleOptions */
/** @typedef {import('../shared/protocol.js').Reply} Reply */
/** @typedef {import('../shared/protocol.js').ToWorkerMessage} ToWorkerMessage */
/** @typedef {import('../shared/protocol.js').RequestMessage} RequestMessage */
/** @typedef {ReturnType<typeof createLink>} HelperLink */
/**
 * Where the worker posts its replies and receives requests: `self` in a worker.
 * @typedef {{postMessage(message: Reply, transfer?: Transferable[]): void, onmessage: ((event: {data: ToWorkerMessage}) => void) | null}} WorkerPort
 */
/**
 * What a request handler gets besides its payload.
 * @typedef {{id: number, progress: (phase: string, done: number, total: number) => void, cancelled: () => boolean}} RequestContext
 */
/**
 * The worker's module and helper, as the handlers use them.
 * @typedef {{
 *   startModule: () => Promise<Explorer>,
 *   wasmModule: () => PcaReconModule,
 *   isFatal: (error: unknown) => boolean,
 *   startHelper: (options?: {kernels?: boolean}) => HelperLink | null,
 *   sourceFrom: (source: import('../shared/protocol.js').FileSource) => Blob,
 *   streamedSource: Blob | null,
 *   precomputedFit: import('../shared/protocol.js').PrecomputedFit['fit'] | null,
 * }} Session
 */

/**
 * What a worker holds: its module (started once, lazily, on the first request), the one Explorer
 * (the loaded stack and its model live there), whether the module has died, and the helper link.
 * @typedef {{
 *   modulePromise: Promise<Explorer> | null,
 *   wasmModule: PcaReconModule | null,
 *   explorer: Explorer | null,
 *   fatal: string | null,
 *   helper: HelperLink | null,
 *   fileReader: import('./port-blob.js').FileReader | null,
 * }} WorkerState
 */

/**
 * The session the handlers use, over the worker's state.
 * @param {WorkerState} state
 * @param {(options: ModuleOptions) => Promise<PcaReconModule>} createModule
 * @returns {Session}
 */
function createSession(state, createModule) {
  const onAbort = (/** @type {unknown} */ what) => {
    state.fatal = 'the WebAssembly module aborted' + (what ? ': ' + errorMessage(what) : '');
  };
  return {
    startModule() {
      if (!state.modulePromise) {
        const print = (/** @type {string} */ text) => console.log('[pcarecon]', text);
        const printErr = (/** @type {string} */ text) => console.warn('[pcarecon]', text);
        state.modulePromise = createModule({ onAbort, print, printErr }).then(
          (Module) => {
            state.wasmModule = Module;
            state.explorer = new Module.Explorer();
            return state.explorer;
          },
          (error) => {
            state.fatal = 'the WebAssembly module could not start: ' + errorMessage(error);
            throw error;
          },
        );
      }
      return state.modulePromise;
    },
    wasmModule() {
      if (!state.wasmModule) throw new Error('internal error: the module has not started');
      return state.wasmModule;
    },
    isFatal: (error) => state.fatal !== null || error instanceof WebAssembly.RuntimeError,
    // The link to the helper, told to start its module (while this worker reads the file; with
    // kernels, and its warm-up: warm-up.js); null if none.
    startHelper(options) {
      if (state.helper) state.helper.warmUp(options);
      return state.helper;
    },
    // A file as this worker reads it: itself, or through the page (port-blob.js).
    sourceFrom: (source) => sourceFrom(source, state.fileReader),
    streamedSource: null, // the streamed file fitted in passes that is loaded (requests.js)
    // The loaded stack's model when LOAD brought it (requests.js load): FIT then need not fit.
    precomputedFit: null,
  };
}

/**
 * Answers the requests arriving on `port`, with the module made by createModule. Returns the
 * message listener it installed (port.onmessage).
 * @param {WorkerPort} port
 * @param {(options: ModuleOptions) => Promise<PcaReconModule>} createModule
 */
export function createWorkerHandler(port, createModule) {
  /** @type {WorkerState} */
  const state = { modulePromise: null, wasmModule: null, explorer: null, fatal: null, helper: null, fileReader: null };
  const session = createSession(state, createModule);
  const cancelled = new Set(); // ids of LOAD requests asked to stop
  // Requests are served one at a time, in their order of arrival (a cancel and the Blob probe at
  // once), so that the page may send several without waiting for each answer: the first visit
  // sends LOAD, FIT, SUMMARY and FIGURE together, while plotly.js keeps the page's thread busy.
  let queue = Promise.resolve();

  function fitCount() {
    try {
      return state.explorer && !state.fatal ? state.explorer.fitCount() : 0;
    } catch (_) {
      return 0;
    }
  }

  /** @type {(message: Reply, transfer?: Transferable[]) => void} */
  const post = (message, transfer) => port.postMessage(message, transfer || []);

  /** @param {RequestMessage} message */
  async function serve(message) {
    const { id } = message;
    /** @type {RequestContext} */
    const context = {
      id,
      progress: (phase, done, total) => post({ id, kind: Kind.PROGRESS, phase, done, total, fitCount: fitCount() }),
      cancelled: () => cancelled.has(id),
    };
    try {
      if (!state.modulePromise && message.type !== Request.PROBE_BLOB) context.progress(Phase.STARTING, 0, 1);
      const result = await handle(session, message, context);
      post({ id, kind: Kind.RESULT, result, fitCount: fitCount() }, transferablesOf(result));
    } catch (error) {
      if (session.isFatal(error)) {
        state.fatal = state.fatal || errorMessage(error);
        post({ id, kind: Kind.FATAL, message: state.fatal });
      } else {
        post(errorReply(id, error, fitCount()));
      }
    } finally {
      cancelled.delete(id);
    }
  }

  /** @param {{data: ToWorkerMessage}} event */
  const listener = (event) => {
    const message = event.data;
    if ('helper' in message) {
      // The page sends one port to each of the two workers; the one that gets requests from the
      // page uses it to reach the helper, the helper answers on it.
      state.helper = createLink(message.port, session);
    } else if ('reader' in message) {
      state.fileReader = createReader(message.port); // the page reads files for this worker
    } else if (message.type === CANCEL) {
      cancelled.add(message.target);
    } else if (message.type === Request.PROBE_BLOB) {
      serve(message); // touches no module: the first LOAD need not wait for a Blob read
    } else {
      queue = queue.then(() => (state.fatal ? post({ id: message.id, kind: Kind.FATAL, message: state.fatal }) : serve(message)));
    }
  };
  port.onmessage = listener;
  return listener;
}

/**
 * @param {Session} session
 * @param {RequestMessage} message
 * @param {RequestContext} context
 * @returns {Promise<unknown>}
 */
function handle(session, message, context) {
  switch (message.type) {
    case Request.LOAD:
      return load(session, message, context);
    case Request.FIT:
      return fit(session, message, context);
    case Request.SUMMARY:
      return summary(session, message);
    case Request.SPECTRUM:
      return spectrum(session);
    case Request.IMAGES:
      return images(session, message);
    case Request.FIGURE:
      return figure(session, message, context);
    case Request.DEBUG_FAULT:
      return debugFault(session, message);
    case Request.PROBE_BLOB:
      return probeBlob(message);
    case Request.DISTORTIONS:
      return distortions(session, message, context);
    case Request.RANGE:
      return rangeImage(session, message);
    case Request.GRID:
      return gridFrames(session, message);
    case Request.WARM_UP:
      return warmUp(session);
    default:
      return Promise.reject(new Error(`unknown request type '${/** @type {{type: unknown}} */ (message).type}'`));
  }
}

/**
 * The error reply of a request: the error's code (an error of our own without one is internal),
 * and for a file that needs an image shape its N and D.
 * @param {number} id
 * @param {unknown} error
 * @param {number} fitCount
 * @returns {import('../shared/protocol.js').ErrorReply}
 */
function errorReply(id, error, fitCount) {
  const code = errorCode(error) || ErrorCode.INTERNAL;
  /** @type {import('../shared/protocol.js').ErrorReply} */
  const reply = { id, kind: Kind.ERROR, message: errorMessage(error), code, fitCount };
  if (code === ErrorCode.NEEDS_IMAGE_SHAPE) {
    const { samples, values } = /** @type {{samples?: number, values?: number}} */ (error);
    Object.assign(reply, { samples, values });
  }
  return reply;
}
