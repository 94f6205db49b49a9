// What went wrong, as a code both sides branch on (never on a message's text). The module's errors
// carry one of the first six as `.code` (wasm/bindings.cpp, from pcarecon::Error's kind); a
// request the visitor stopped ends with CANCELLED. Error replies of the protocol carry the code.

/** @typedef {'bad_input' | 'needs_image_shape' | 'too_large' | 'out_of_memory' | 'parts_incomplete' | 'internal' | 'cancelled'} ErrorCodeName */

export const ErrorCode = Object.freeze({
  BAD_INPUT: 'bad_input', // the file or an argument is wrong; the message names the value
  NEEDS_IMAGE_SHAPE: 'needs_image_shape', // an (N, D) file whose D is not a square: the error has samples, values
  TOO_LARGE: 'too_large', // beyond what the module can hold or stream
  OUT_OF_MEMORY: 'out_of_memory',
  PARTS_INCOMPLETE: 'parts_incomplete', // a streamed file read in parts: some samples were not read (yet)
  INTERNAL: 'internal',
  CANCELLED: 'cancelled',
});

/**
 * An Error with a code (and, for NEEDS_IMAGE_SHAPE, the file's N and D).
 * @typedef {Error & { code?: ErrorCodeName, samples?: number, values?: number }} CodedError
 */

/**
 * The code an error carries, or undefined.
 * @param {unknown} error
 * @returns {ErrorCodeName | undefined}
 */
export function errorCode(error) {
  const code = error && typeof error === 'object' ? /** @type {{code?: unknown}} */ (error).code : undefined;
  return typeof code === 'string' && Object.values(ErrorCode).includes(/** @type {ErrorCodeName} */ (code))
    ? /** @type {ErrorCodeName} */ (code)
    : undefined;
}

/**
 * A new Error with a code.
 * @param {string} message
 * @param {ErrorCodeName} code
 * @returns {CodedError}
 */
export function codedError(message, code) {
  const error = /** @type {CodedError} */ (new Error(message));
  error.code = code;
  return error;
}
