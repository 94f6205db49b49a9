// The strip of thumbnails under the controls: the window of DEFAULTS.thumbnails samples around
// the current one, fetched from the worker (IMAGES) only when the strip moves, then drawn by
// dataset-panels.js. Its images live in state.thumbnails; app.js hands over its state, its worker
// calls and the strip's element.
import { Request, ErrorCode } from '../shared/protocol.js';
import { DEFAULTS, update } from './state.js';
import * as Panels from './dataset-panels.js';

/**
 * @param {{
 *   container: HTMLElement,
 *   state: any,
 *   call: (type: string, payload: any, label: string) => Promise<any>,
 *   exclusive: (job: () => Promise<void>) => Promise<void>,
 *   setMessages: (messages: {error?: string | null, notice?: string | null}) => void,
 *   holdsCurrent: () => boolean,
 * }} app
 */
function createThumbnailStrip({ container, state, call, exclusive, setMessages, holdsCurrent }) {
  function thumbnailWindow(index) {
    const start = Math.floor(index / DEFAULTS.thumbnails) * DEFAULTS.thumbnails;
    return { start, count: DEFAULTS.thumbnails };
  }

  // Inside a job: fetches the strip's images when the strip moves, then draws it.
  async function show() {
    if (!state.dataset || !holdsCurrent()) return;
    const wanted = thumbnailWindow(state.sampleIndex);
    if (!state.thumbnails || state.thumbnails.start !== wanted.start) {
      try {
        const thumbnails = await call(Request.IMAGES, wanted, state.dataset.name);
        update(state, { thumbnails });
      } catch (error) {
        if (error.code !== ErrorCode.CANCELLED) setMessages({ error: `Could not draw the thumbnails: ${error.message}` });
      }
    }
    Panels.renderThumbnails(container, state.thumbnails, state.dataset, state.sampleIndex);
  }

  return {
    show,
    // As a job of its own, after those queued.
    load: () => exclusive(show),
  };
}

export { createThumbnailStrip };
