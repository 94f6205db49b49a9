// The page side of the worker protocol (shared/protocol.js): one promise per request, progress callbacks,
// cancel, and a fresh worker after the old one died or was stopped.
//
// The worker source is the string scripts/build-web.mjs puts in worker-bundle.js
// (self.PCA_WORKER_SOURCE); it runs from a Blob URL, which works from file:// as well as http.
import { Request, CANCEL, Kind, ErrorCode, CANCELLED_MESSAGE, transferablesOf } from '../shared/protocol.js';
import { codedError } from '../shared/error-codes.js';

/** @typedef {import('../shared/protocol.js').Reply} Reply */
/** @typedef {import('../shared/protocol.js').RequestMessage} RequestMessage */
/** @typedef {import('../shared/protocol.js').RequestType} RequestType */
/** @typedef {import('../shared/protocol.js').ProgressReply} ProgressReply */
/** @typedef {import('../shared/error-codes.js').ErrorCodeName} ErrorCodeName */
/**
 * A rejection: .code says why ('cancelled': the visitor asked to stop; 'needs_image_shape' with
 * samples and values: LOAD of an (N, D) file whose D is not a square), .fatal that the worker died.
 * @typedef {import('../shared/error-codes.js').CodedError & {fatal: boolean}} RequestError
 */
/** @typedef {{type: RequestType, resolve: (result: any) => void, reject: (error: RequestError) => void, onProgress: (progress: ProgressReply) => void, phase: string | null}} Pending */

/**
 * @param {string} message
 * @param {{code: ErrorCodeName, fatal?: boolean, samples?: number, values?: number}} details
 * @returns {RequestError}
 */
function requestError(message, { code, fatal = false, samples, values }) {
  const error = Object.assign(codedError(message, code), { fatal });
  if (code === ErrorCode.NEEDS_IMAGE_SHAPE) Object.assign(error, { samples, values });
  return error;
}

class WorkerClient {
  // onRestart(reason, {fatal}) runs after a fresh worker replaced one that died (fatal) or was
  // stopped to cancel a synchronous computation; the new worker holds no data.
  // onFitCount(n) runs with the worker's fit counter after every reply.
  // The worker starts on the first request (or startHelper): a first visit draws its figure
  // without it, and its source is loaded after that (generated.js loadWorkerScripts).
  /**
   * @param {() => string} workerSource the worker's source, asked for when the first worker starts
   * @param {{onRestart?: (reason: string, how: {fatal: boolean}) => void, onFitCount?: (n: number) => void}} [callbacks]
   */
  constructor(workerSource, { onRestart = () => {}, onFitCount = () => {} } = {}) {
    this.workerSource = workerSource;
    /** @type {string | null} */
    this.url = null; // the Blob URL of the source, made once
    this.onRestart = onRestart;
    this.onFitCount = onFitCount;
    this.nextId = 1;
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    /** @type {Worker | null} */
    this.worker = null; // set by spawn(), on the first request
    /** @type {Worker | null} */
    this.helper = null;
    this.generation = 0;
    // Files the page reads for the workers (worker/port-blob.js): token -> Blob, and back.
    /** @type {Map<number, Blob>} */
    this.files = new Map();
    /** @type {WeakMap<Blob, number>} */
    this.tokens = new WeakMap();
    // Who reads the visitor's files: 'worker', or 'page' where a worker cannot read a Blob
    // (WebKit from file://); null until the one-byte probe has answered. The tests force 'page'
    // with self.PCA_READ_FILES_ON_PAGE = true, set before the page's scripts run.
    /** @type {'worker' | 'page' | null} */
    this.fileReading = /** @type {any} */ (self).PCA_READ_FILES_ON_PAGE === true ? 'page' : null;
    // The helper is started by startHelper(): not during a first visit's parse of plotly.js.
    this.helperWanted = false;
    /** @type {Promise<unknown>} */
    this.fileReadingKnown = Promise.resolve(this.fileReading);
  }

  // The first worker, and the one-byte probe of whether it can read a Blob (its first request).
  /** @returns {Worker} */
  started() {
    if (this.worker) return this.worker;
    this.url = URL.createObjectURL(new Blob([this.workerSource()], { type: 'text/javascript' }));
    const worker = this.spawn();
    if (this.fileReading === null) {
      this.fileReadingKnown = this.request(Request.PROBE_BLOB, { blob: new Blob([new Uint8Array([1])]) }).promise.then(
        ({ readable }) => (this.fileReading = readable ? 'worker' : 'page'),
        () => (this.fileReading = 'page'),
      );
    }
    return worker;
  }

  /** @returns {Worker} */
  spawn() {
    const worker = new Worker(/** @type {string} */ (this.url));
    const generation = ++this.generation;
    this.giveReaderPort(worker);
    worker.onmessage = (event) => {
      if (generation === this.generation) this.receive(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (generation === this.generation) {
        this.restart(`the worker failed: ${event.message || 'unknown error'}`, { fatal: true });
      }
    };
    // A reply that cannot be received (it could not be deserialized, e.g. out of memory) would
    // leave its request waiting forever: treat it as the worker dying.
    worker.onmessageerror = () => {
      if (generation === this.generation) {
        this.restart('a reply from the worker could not be read', { fatal: true });
      }
    };
    this.worker = worker;
    this.helper = null;
    if (this.helperWanted) this.joinHelper();
    return worker;
  }

  // Starts the helper, from now on and in every fresh worker. The worker uses it from its next
  // request on (until then it works alone): the page starts it before loading a file, or once the
  // first figure is painted (the built-in sample needs no fit).
  startHelper() {
    this.helperWanted = true;
    if (!this.worker)
      this.started(); // which joins the helper
    else if (!this.helper) this.joinHelper();
  }

  // A second worker from the same source, which the first one uses to split a fit over two
  // cores (worker.js, "the helper"). A worker cannot start it itself from a file:// page (a
  // blob:null URL is not accessible to it), so the page starts it and joins the two with a
  // MessageChannel.
  joinHelper() {
    try {
      const channel = new MessageChannel();
      this.helper = new Worker(/** @type {string} */ (this.url));
      this.giveReaderPort(this.helper);
      this.helper.postMessage({ helper: 'port', port: channel.port1 }, [channel.port1]);
      this.started().postMessage({ helper: 'port', port: channel.port2 }, [channel.port2]);
    } catch (_) {
      this.helper = null; // the worker fits alone
    }
  }

  // Sends a request; returns {id, promise}. Typed arrays in payload are transferred. A file
  // (payload.source, a Blob) waits for the probe, and goes as a descriptor if the page reads it.
  /**
   * @template {RequestType} T
   * @param {T} type
   * @param {Omit<Extract<RequestMessage, {type: T}>, 'id' | 'type'>} payload
   * @param {{onProgress?: (progress: ProgressReply) => void}} [options]
   * @returns {{id: number, promise: Promise<import('../shared/protocol.js').ResultOf[T]>}}
   */
  request(type, payload, { onProgress = () => {} } = {}) {
    this.started();
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => {
      this.pending.set(id, { type, resolve, reject, onProgress, phase: null });
    });
    const generation = this.generation;
    const source = 'source' in payload ? payload.source : null;
    const send = () => {
      if (generation !== this.generation) return; // the worker was replaced: the request was rejected
      const message = { ...payload, id, type };
      if (this.fileReading === 'page' && source instanceof Blob) Object.assign(message, { source: this.describe(source) });
      this.started().postMessage(message, transferablesOf(payload));
    };
    if (source instanceof Blob && this.fileReading === null) this.fileReadingKnown.then(send);
    else send();
    return { id, promise };
  }

  /**
   * A Blob as the descriptor a worker reads through its port to the page (worker/port-blob.js).
   * @param {Blob} blob
   * @returns {import('../shared/protocol.js').FileSource}
   */
  describe(blob) {
    let token = this.tokens.get(blob);
    if (!token) {
      token = this.files.size + 1;
      this.tokens.set(blob, token);
      this.files.set(token, blob);
    }
    return { portBlob: { token, start: 0, size: blob.size } };
  }

  /**
   * Gives a worker its port to the page, through which the page reads files for it.
   * @param {Worker} worker
   */
  giveReaderPort(worker) {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      /** @type {import('../shared/protocol.js').ReadRequest} */
      const { read, token, start, end } = event.data;
      const blob = this.files.get(token);
      /** @type {(reply: import('../shared/protocol.js').ReadReply, transfer?: Transferable[]) => void} */
      const reply = (message, transfer) => channel.port1.postMessage(message, transfer || []);
      if (!blob) {
        reply({ read, error: `no file ${token} to read` });
        return;
      }
      blob
        .slice(start, end)
        .arrayBuffer()
        .then(
          (buffer) => reply({ read, buffer }, [buffer]),
          (error) => reply({ read, error: error && error.message ? error.message : String(error) }),
        );
    };
    /** @type {import('../shared/protocol.js').ReaderPortMessage} */
    const message = { reader: 'port', port: channel.port2 };
    worker.postMessage(message, [channel.port2]);
  }

  /** @param {Reply} message */
  receive(message) {
    if (message.kind === Kind.FATAL) {
      this.restart(message.message, { fatal: true });
      return;
    }
    this.onFitCount(message.fitCount);
    const entry = this.pending.get(message.id);
    if (!entry) return;
    if (message.kind === Kind.PROGRESS) {
      entry.phase = message.phase;
      entry.onProgress(message);
      return;
    }
    this.pending.delete(message.id);
    if (message.kind === Kind.RESULT) entry.resolve(message.result);
    else entry.reject(requestError(message.message, { code: message.code, samples: message.samples, values: message.values }));
  }

  // Stops a request. A LOAD stops cooperatively between two chunks (its promise rejects with
  // .cancelled). Anything else is a synchronous computation that cannot be interrupted: the
  // worker is terminated and a fresh one started (onRestart runs; the data must be reloaded).
  /** @param {number} id */
  cancel(id) {
    const entry = this.pending.get(id);
    if (!entry) return;
    if (entry.type === Request.LOAD) {
      this.stopSoon(id);
    } else {
      this.restart(CANCELLED_MESSAGE, { fatal: false });
    }
  }

  // Asks the worker to stop request `id` at its next check between blocks (DISTORTIONS, like a
  // LOAD, looks for it): the request rejects with code 'cancelled' and the worker keeps its data.
  // (Its helper finishes the part it was given; later requests to it wait for that.)
  /** @param {number} id */
  stopSoon(id) {
    if (this.pending.has(id)) this.started().postMessage({ type: CANCEL, target: id });
  }

  // Terminates the worker, rejects everything pending, starts a fresh worker.
  /**
   * @param {string} reason
   * @param {{fatal: boolean}} how
   */
  restart(reason, { fatal }) {
    this.started().terminate();
    if (this.helper) this.helper.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.spawn();
    for (const entry of pending) {
      entry.reject(requestError(reason, { code: fatal ? ErrorCode.INTERNAL : ErrorCode.CANCELLED, fatal }));
    }
    this.onRestart(reason, { fatal });
  }

  busy() {
    return this.pending.size > 0;
  }
}

export { WorkerClient };
