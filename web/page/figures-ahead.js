// The worker's figures of the views next to the one on screen (the next and previous sample, K − 1
// and K + 1), asked for while the page is idle after a figure is drawn, so that a change to one of
// them draws at once instead of waiting for the module (0.03-0.1 s at 256×256, 0.1-0.5 s at
// 512×512 panels under load: most of such a change's time once the drawing is a swap).
// A reply is kept for the dataset and fit it was made for (a new file or a refit gives a new
// state.dataset), used once, and never shown by itself: figure-controller.js draws it as it would
// the reply it asks for, so the figure on screen is the one its parameters ask for either way.

/** The key of a FIGURE request: every parameter the module's figure depends on. @param {any} request */
const keyOf = (request) =>
  JSON.stringify(
    Object.keys(request)
      .sort()
      .map((key) => [key, request[key]]),
  );

/** A promise of the page's next task (after the current one and its microtasks). */
const nextTask = () => new Promise((resolve) => setTimeout(resolve));

class FiguresAhead {
  /**
   * ask(request): the worker's reply to a FIGURE request, without the progress bar (the visitor
   * did not ask for it). decode(reply): what is kept of it (its pictures decoded, made ready to
   * paint: main-thread work, done in a task of its own after the reply, so that a change waiting
   * in the queue sends its request to the worker first). exclusive: the page's queue of worker
   * jobs (one at a time, in order).
   * @param {(request: any) => Promise<any>} ask
   * @param {(reply: any) => any} decode
   * @param {(job: () => Promise<void>) => Promise<void>} exclusive
   */
  constructor(ask, decode, exclusive) {
    this.ask = ask;
    this.decode = decode;
    this.exclusive = exclusive;
    this.dataset = null; // the dataset (state.dataset: one per file and fit) the replies are of
    /** @type {Map<string, Promise<any>>} */
    this.replies = new Map();
    this.pending = 0; // requests queued or asked, not yet answered
    this.made = 0; // replies asked for ahead
    this.used = 0; // of them drawn
  }

  /**
   * The reply asked for ahead for `request` of `dataset` (answered or still on its way), once; null
   * when there is none.
   * @param {any} dataset
   * @param {any} request
   */
  take(dataset, request) {
    if (dataset !== this.dataset) return null;
    const key = keyOf(request);
    const reply = this.replies.get(key);
    if (!reply) return null;
    this.replies.delete(key);
    this.used++;
    return reply;
  }

  /**
   * Asks for `requests` of `dataset`, each as its own job in the page's queue (a change made
   * meanwhile waits for one figure at most) and only while `wanted()` (the page still shows that
   * figure, nothing else queued, the worker holds the dataset). Replies of other views are dropped.
   * @param {any} dataset
   * @param {any[]} requests
   * @param {() => boolean} wanted
   */
  prepare(dataset, requests, wanted) {
    const keys = new Set(requests.map(keyOf));
    if (dataset !== this.dataset) this.replies.clear();
    for (const key of [...this.replies.keys()]) if (!keys.has(key)) this.replies.delete(key);
    this.dataset = dataset;
    for (const request of requests) {
      const key = keyOf(request);
      this.pending++;
      this.exclusive(async () => {
        try {
          if (this.dataset !== dataset || this.replies.has(key) || !wanted()) return;
          const answer = this.ask(request);
          const reply = answer.then((raw) => nextTask().then(() => this.decode(raw)));
          this.replies.set(key, reply);
          this.made++;
          // the page asks again when it needs it
          reply.catch(() => this.replies.get(key) === reply && this.replies.delete(key));
          await answer.catch(() => {}); // the worker is free: the queue goes on
        } finally {
          this.pending--;
        }
      });
    }
  }

  clear() {
    this.replies.clear();
    this.dataset = null;
  }
}

export { FiguresAhead };
