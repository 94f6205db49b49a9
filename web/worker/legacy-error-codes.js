// Until the module sets `.code` on its errors itself (issue #11: pcarecon::Error's kind, carried
// by wasm/bindings.cpp), the two codes the worker and the page branch on are worked out here, in
// this one place, from a module error without a code. Delete this file once the module sets them:
// an error that already has a code is returned as it is.
import { ErrorCode } from '../shared/error-codes.js';

/** @typedef {import('../shared/error-codes.js').CodedError} CodedError */

/**
 * The error, with a code when it is one of the two. module and head (the file's first bytes, its
 * header) let a file that needs an image shape be recognised and its N and D given.
 * @param {unknown} error
 * @param {import('../../wasm/pcarecon').PcaReconModule} [module]
 * @param {Uint8Array | null} [head]
 * @returns {unknown}
 */
export function withLegacyCode(error, module, head) {
  if (!(error instanceof Error) || 'code' in error) return error;
  const coded = /** @type {CodedError} */ (error);
  if (/ of the streamed file were not read$/.test(error.message)) {
    coded.code = ErrorCode.PARTS_INCOMPLETE;
  } else if (module && head) {
    try {
      const info = module.npyInfo(head); // height = width = 0: D is not a square
      if (info.shape.length === 2 && info.height === 0) {
        Object.assign(coded, { code: ErrorCode.NEEDS_IMAGE_SHAPE, samples: info.shape[0], values: info.shape[1] });
      }
    } catch (_) {
      /* not a header: the core's message says what is wrong */
    }
  }
  return error;
}
