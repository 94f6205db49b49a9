// The page's status: the progress box of the work under way (phase, share done, Cancel), the
// error and the notice. It shows what it is given; the busy request and the messages themselves
// are kept in the page's one state (state.busy, state.error, state.notice) by app.js.
import { Phase } from '../shared/protocol.js';

// Shown only when the work takes a moment: quick figure rebuilds do not flash a progress bar.
const BUSY_DELAY_MS = 150;

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

class StatusPanel {
  // elements: {box, progress, label, cancel, error, notice}; onCancel() on Cancel;
  // formatBytes(bytes) words the bytes of a streamed file read so far.
  constructor(elements, { onCancel, formatBytes }) {
    this.elements = elements;
    this.formatBytes = formatBytes;
    this.timer = 0;
    elements.cancel.addEventListener('click', () => onCancel());
  }

  // busy: {phase, done, total, label} of the request under way, or null (hide).
  showBusy(busy) {
    const { box, progress, label } = this.elements;
    clearTimeout(this.timer);
    if (!busy) {
      box.hidden = true;
      return;
    }
    // The next showBusy clears this timer, so when it fires the work is still under way.
    if (box.hidden) this.timer = setTimeout(() => (box.hidden = false), BUSY_DELAY_MS);
    const phase = busy.phase || Phase.STARTING;
    const passing = phase.startsWith(Phase.PASS + ' '); // a pass of a streamed top-K fit: bytes too
    const reading = (phase === Phase.READING || phase === Phase.STREAMING || passing) && busy.total > 0;
    let percent = reading ? ` ${Math.floor((100 * busy.done) / busy.total)}%` : '';
    // Streaming takes minutes: bytes done of total, read by both workers.
    if (reading && (phase === Phase.STREAMING || passing))
      percent = ` ${this.formatBytes(busy.done)} of ${this.formatBytes(busy.total)} (${percent.trim()})`;
    label.textContent = `${capitalize(phase)} ${busy.label || ''}…${percent}`;
    if (reading) {
      progress.max = busy.total;
      progress.value = busy.done;
    } else {
      progress.removeAttribute('value'); // indeterminate: a synchronous step in the worker
    }
  }

  // Each message given (a string, or null to clear it) replaces the one shown; undefined keeps it.
  showMessages({ error, notice }) {
    const e = this.elements;
    if (error !== undefined) {
      e.error.hidden = !error;
      e.error.textContent = error || '';
    }
    if (notice !== undefined) {
      e.notice.hidden = !notice;
      e.notice.textContent = notice || '';
    }
  }
}

export { StatusPanel };
