// The page side of the worker protocol (protocol.js): one promise per request, progress callbacks,
// cancel, and a fresh worker after the old one died or was stopped.
//
// The worker source is the string scripts/build-web.mjs puts in worker-bundle.js
// (self.PCA_WORKER_SOURCE); it runs from a Blob URL, which works from file:// as well as http.
/* global PcaProtocol */
(function (root) {
  'use strict';

  const { Request, CANCEL, Kind, CANCELLED_MESSAGE, transferablesOf } = PcaProtocol;

  // Rejections carry .cancelled (the visitor asked to stop) or .fatal (the worker died).
  function requestError(message, { cancelled = false, fatal = false, needsImageShape } = {}) {
    const error = new Error(message);
    error.cancelled = cancelled;
    error.fatal = fatal;
    if (needsImageShape) error.needsImageShape = needsImageShape; // LOAD of an (N, D) file, D not a square
    return error;
  }

  class WorkerClient {
    // onRestart(reason, {fatal}) runs after a fresh worker replaced one that died (fatal) or was
    // stopped to cancel a synchronous computation; the new worker holds no data.
    // onFitCount(n) runs with the worker's fit counter after every reply.
    constructor(workerSource, { onRestart = () => {}, onFitCount = () => {} } = {}) {
      this.url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      this.onRestart = onRestart;
      this.onFitCount = onFitCount;
      this.nextId = 1;
      this.pending = new Map(); // id -> {type, resolve, reject, onProgress, phase}
      this.worker = null;
      this.generation = 0;
      // Files the page reads for the workers (port-blob.js): token -> Blob, and back.
      this.files = new Map();
      this.tokens = new WeakMap();
      // Who reads the visitor's files: 'worker', or 'page' where a worker cannot read a Blob
      // (WebKit from file://); null until the one-byte probe has answered. The tests force 'page'
      // with self.PCA_READ_FILES_ON_PAGE = true, set before the page's scripts run.
      this.fileReading = root.PCA_READ_FILES_ON_PAGE === true ? 'page' : null;
      this.spawn();
      this.fileReadingKnown =
        this.fileReading !== null
          ? Promise.resolve(this.fileReading)
          : this.request(Request.PROBE_BLOB, { blob: new Blob([new Uint8Array([1])]) }).promise.then(
              ({ readable }) => (this.fileReading = readable ? 'worker' : 'page'),
              () => (this.fileReading = 'page'),
            );
    }

    spawn() {
      const worker = new Worker(this.url);
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
      // A second worker from the same source, which the first one uses to split a fit over two
      // cores (worker.js, "the helper"). A worker cannot start it itself from a file:// page (a
      // blob:null URL is not accessible to it), so the page starts it and joins the two with a
      // MessageChannel; it stays idle until the first file is loaded.
      try {
        const channel = new MessageChannel();
        this.helper = new Worker(this.url);
        this.giveReaderPort(this.helper);
        this.helper.postMessage({ helper: 'port', port: channel.port1 }, [channel.port1]);
        worker.postMessage({ helper: 'port', port: channel.port2 }, [channel.port2]);
      } catch (_) {
        this.helper = null; // the worker fits alone
      }
    }

    // Sends a request; returns {id, promise}. Typed arrays in payload are transferred. A file
    // (payload.source, a Blob) waits for the probe, and goes as a descriptor if the page reads it.
    request(type, payload = {}, { onProgress = () => {} } = {}) {
      const id = this.nextId++;
      const promise = new Promise((resolve, reject) => {
        this.pending.set(id, { type, resolve, reject, onProgress, phase: null });
      });
      const generation = this.generation;
      const send = () => {
        if (generation !== this.generation) return; // the worker was replaced: the request was rejected
        const message = { ...payload, id, type };
        if (this.fileReading === 'page' && payload.source instanceof Blob) message.source = this.describe(payload.source);
        this.worker.postMessage(message, transferablesOf(payload));
      };
      if (payload.source instanceof Blob && this.fileReading === null) this.fileReadingKnown.then(send);
      else send();
      return { id, promise };
    }

    // A Blob as the descriptor a worker reads through its port to the page (port-blob.js).
    describe(blob) {
      let token = this.tokens.get(blob);
      if (!token) {
        token = this.files.size + 1;
        this.tokens.set(blob, token);
        this.files.set(token, blob);
      }
      return { portBlob: { token, start: 0, size: blob.size } };
    }

    // Gives a worker its port to the page, through which the page reads files for it.
    giveReaderPort(worker) {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        const { read, token, start, end } = event.data || {};
        const blob = this.files.get(token);
        const reply = (message, transfer) => channel.port1.postMessage({ read, ...message }, transfer || []);
        if (!blob) {
          reply({ error: `no file ${token} to read` });
          return;
        }
        blob
          .slice(start, end)
          .arrayBuffer()
          .then(
            (buffer) => reply({ buffer }, [buffer]),
            (error) => reply({ error: error && error.message ? error.message : String(error) }),
          );
      };
      worker.postMessage({ reader: 'port', port: channel.port2 }, [channel.port2]);
    }

    receive(message) {
      if (message.kind === Kind.FATAL) {
        this.restart(message.message, { fatal: true });
        return;
      }
      if (typeof message.fitCount === 'number') this.onFitCount(message.fitCount);
      const entry = this.pending.get(message.id);
      if (!entry) return;
      if (message.kind === Kind.PROGRESS) {
        entry.phase = message.phase;
        entry.onProgress(message);
        return;
      }
      this.pending.delete(message.id);
      if (message.kind === Kind.RESULT) entry.resolve(message.result);
      else entry.reject(requestError(message.message, { cancelled: Boolean(message.cancelled), needsImageShape: message.needsImageShape }));
    }

    // Stops a request. A LOAD stops cooperatively between two chunks (its promise rejects with
    // .cancelled). Anything else is a synchronous computation that cannot be interrupted: the
    // worker is terminated and a fresh one started (onRestart runs; the data must be reloaded).
    cancel(id) {
      const entry = this.pending.get(id);
      if (!entry) return;
      if (entry.type === Request.LOAD) {
        this.worker.postMessage({ type: CANCEL, target: id });
      } else {
        this.restart(CANCELLED_MESSAGE, { fatal: false });
      }
    }

    // Terminates the worker, rejects everything pending, starts a fresh worker.
    restart(reason, { fatal }) {
      this.worker.terminate();
      if (this.helper) this.helper.terminate();
      const pending = [...this.pending.values()];
      this.pending.clear();
      this.spawn();
      for (const entry of pending) {
        entry.reject(requestError(reason, { cancelled: !fatal, fatal }));
      }
      this.onRestart(reason, { fatal });
    }

    busy() {
      return this.pending.size > 0;
    }
  }

  root.PcaWorkerClient = WorkerClient;
})(typeof self !== 'undefined' ? self : this);
