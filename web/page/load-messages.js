// What the page says when a load does not complete: the #error or #notice of a failed or
// cancelled LOAD, naming the file and carrying the worker's message (which names the values).
import { ErrorCode } from '../shared/protocol.js';
import { shapeNeededMessage } from './shape-field.js';

/**
 * @param {{name: string}} dataset the file that was being opened
 * @param {any} error the worker's error: code, message, and `fatal` when the worker was restarted
 * @param {{restore: boolean, showing: string | null}} context whether it was a restore of the
 *   dataset on screen (after a worker restart), and the name of the dataset still on screen
 * @returns {{error?: string, notice?: string}}
 */
export function loadFailureMessages(dataset, error, { restore, showing }) {
  if (error.code === ErrorCode.CANCELLED) return { notice: showing ? `Cancelled. Still showing ${showing}.` : 'Cancelled.' };
  const what = `${restore ? 'Could not restore' : 'Could not open'} ${dataset.name}`;
  if (error.fatal) return { error: `${what}: the computation stopped (${error.message}). A fresh engine was started.` };
  // A restore reloads what was on screen, shape included: asking for a shape would not help.
  if (error.code === ErrorCode.NEEDS_IMAGE_SHAPE && !restore) return { error: `${what}: ${shapeNeededMessage(error)}` };
  return { error: `${what}: ${error.message}` };
}
