// Whether the module holds a stack's values as their bytes (8-bit dtypes: image_stack.h's
// held_as_bytes), read from the file's dtype: the split Gram fit and DISTORTIONS' copy size ask.
const BYTE_TYPES = ['|u1', '|i1', '|b1'];

/** @param {{dtype: string}} info */
export function heldAsBytes(info) {
  return BYTE_TYPES.includes(info.dtype);
}
