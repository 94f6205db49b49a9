// Base64 text to bytes, for the built-in dataset and plotly's PNG data: URL (the page's CSP
// forbids fetch(data:)). Uint8Array.fromBase64 where the engine has it (native, several times
// quicker than the loop over atob's string).

/**
 * @param {string} base64
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function bytesOfBase64(base64) {
  const fromBase64 = /** @type {any} */ (Uint8Array).fromBase64;
  if (typeof fromBase64 === 'function') return fromBase64(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
