// web/page/load-messages.js: what #error and #notice say when a load fails or is cancelled (the
// page showing them is tested end to end: bad-inputs, files and streamed e2e tests).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ErrorCode } from '../../web/shared/protocol.js';
import { loadFailureMessages } from '../../web/page/load-messages.js';

const file = { name: 'crops.npy' };

test('a cancelled load is a notice naming what is still on screen', () => {
  const cancelled = { code: ErrorCode.CANCELLED, message: 'cancelled' };
  assert.deepEqual(loadFailureMessages(file, cancelled, { restore: false, showing: 'digits.npy' }), {
    notice: 'Cancelled. Still showing digits.npy.',
  });
  assert.deepEqual(loadFailureMessages(file, cancelled, { restore: false, showing: null }), { notice: 'Cancelled.' });
});

test('a failed load is an error naming the file and carrying the worker message', () => {
  const bad = { code: ErrorCode.BAD_INPUT, message: 'file is truncated: expected 784 data bytes, found 12' };
  assert.deepEqual(loadFailureMessages(file, bad, { restore: false, showing: 'digits.npy' }), {
    error: 'Could not open crops.npy: file is truncated: expected 784 data bytes, found 12',
  });
  assert.deepEqual(loadFailureMessages(file, bad, { restore: true, showing: 'crops.npy' }), {
    error: 'Could not restore crops.npy: file is truncated: expected 784 data bytes, found 12',
  });
});

test('a worker that stopped says a fresh engine was started', () => {
  const fatal = { code: ErrorCode.OUT_OF_MEMORY, message: 'out of memory', fatal: true };
  const { error } = loadFailureMessages(file, fatal, { restore: false, showing: null });
  assert.equal(error, 'Could not open crops.npy: the computation stopped (out of memory). A fresh engine was started.');
});

test('an (N, D) file without a shape asks for one, except on a restore', () => {
  const needsShape = { code: ErrorCode.NEEDS_IMAGE_SHAPE, message: 'needs an image shape', samples: 5, values: 1000 };
  const open = loadFailureMessages(file, needsShape, { restore: false, showing: null }).error;
  assert.match(open, /^Could not open crops\.npy: 1000 values per row is not a square image: give the image shape .* press Apply\.$/);
  assert.deepEqual(loadFailureMessages(file, needsShape, { restore: true, showing: null }), {
    error: 'Could not restore crops.npy: needs an image shape',
  });
});
