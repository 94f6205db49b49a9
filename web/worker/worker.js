// The worker's request handling: runs the WebAssembly module off the main thread and answers the
// requests defined in shared/protocol.js. createWorkerHandler(port, createModule) wires it to a
// port (worker/main.js: `self`; the node tests: a fake port), so the same code runs in both.
// The page starts two workers from the same source: the one it talks to, and a helper joined to
// it by a MessagePort (worker-helper.js) that takes part of a fit or a stream.
import { Request, CANCEL, Kind, Phase, ErrorCode, transferablesOf, errorMessage } from '../shared/protocol.js';
import { errorCode } from '../shared/error-codes.js';
import { createLink } from './worker-helper.js';
import { load, fit, summary, images, figure, debugFault } from './requests.js';

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
 *   startHelper: () => HelperLink | null,
 * }} Session
 */

/**
 * Answers the requests arriving on `port`, with the module made by createModule (started once,
 * lazily, on the first request). Returns the message listener it installed (port.onmessage).
 * @param {WorkerPort} port
 * @param {(options: ModuleOptions) => Promise<PcaReconModule>} createModule
 */
export function createWorkerHandler(port, createModule) {
  /** @type {Promise<Explorer> | null} */
  let modulePromise = null;
  /** @type {PcaReconModule | null} */
  let wasmModule = null; // the module's exports, once started
  /** @type {Explorer | null} */
  let explorer = null; // the one Explorer: the loaded stack and its model live here
  /** @type {string | null} */
  let fatal = null; // set once the module has aborted: nothing more can run in this worker
  /** @type {HelperLink | null} */
  let helper = null; // the link to the other worker, once the page has sent the port
  const cancelled = new Set(); // ids of LOAD requests asked to stop

  /** @type {Session} */
  const session = {
    startModule() {
      if (!modulePromise) {
        modulePromise = createModule({
          onAbort: (what) => {
            fatal = 'the WebAssembly module aborted' + (what ? ': ' + errorMessage(what) : '');
          },
          print: (text) => console.log('[pcarecon]', text),
          printErr: (text) => console.warn('[pcarecon]', text),
        }).then(
          (Module) => {
            wasmModule = Module;
            explorer = new Module.Explorer();
            return explorer;
          },
          (error) => {
            fatal = 'the WebAssembly module could not start: ' + errorMessage(error);
            throw error;
          },
        );
      }
      return modulePromise;
    },
    wasmModule() {
      if (!wasmModule) throw new Error('internal error: the module has not started');
      return wasmModule;
    },
    isFatal: (error) => fatal !== null || error instanceof WebAssembly.RuntimeError,
    // The link to the helper, told to start its module (while this worker reads the file); null if none.
    startHelper() {
      if (helper) helper.warmUp();
      return helper;
    },
  };

  function fitCount() {
    try {
      return explorer && !fatal ? explorer.fitCount() : 0;
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
      if (!modulePromise) context.progress(Phase.STARTING, 0, 1);
      const result = await handle(session, message, context);
      post({ id, kind: Kind.RESULT, result, fitCount: fitCount() }, transferablesOf(result));
    } catch (error) {
      if (session.isFatal(error)) {
        fatal = fatal || errorMessage(error);
        post({ id, kind: Kind.FATAL, message: fatal });
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
      helper = createLink(message.port, session);
    } else if (message.type === CANCEL) {
      cancelled.add(message.target);
    } else if (fatal) {
      post({ id: message.id, kind: Kind.FATAL, message: fatal });
    } else {
      serve(message);
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
    case Request.IMAGES:
      return images(session, message);
    case Request.FIGURE:
      return figure(session, message, context);
    case Request.DEBUG_FAULT:
      return debugFault(session, message);
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
