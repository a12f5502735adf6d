/**
 * Small helpers shared by the binary format readers (safetensors, npy):
 * little-endian copies into aligned buffers and one-line error text.
 */

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copy little-endian `bytes` into a fresh ArrayBuffer in host order. The copy
 * also fixes alignment: file offsets are rarely multiples of the item size.
 */
export function copyLE(bytes: Uint8Array, itemSize: number): ArrayBuffer {
  // Not bytes.slice(): on a Node Buffer (fs.readFileSync) that is a view, and .buffer would be the whole file.
  const copy = Uint8Array.prototype.slice.call(bytes);
  if (!LITTLE_ENDIAN_HOST && itemSize > 1) {
    for (let i = 0; i < copy.length; i += itemSize) copy.subarray(i, i + itemSize).reverse();
  }
  return copy.buffer;
}

/** Little-endian bytes of a typed array: a view on LE hosts, a swapped copy otherwise. */
export function viewLE(data: ArrayBufferView & { BYTES_PER_ELEMENT: number }): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return bytes;
  return new Uint8Array(copyLE(bytes, data.BYTES_PER_ELEMENT));
}

/** Collapse whitespace (incl. newlines) so messages stay on one line. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}

/** Quote an untrusted string for an error message: escaped, one line, bounded. */
export function quote(s: string): string {
  const json = JSON.stringify(s);
  return json.length > 80 ? `${json.slice(0, 77)}..."` : json;
}

/** A name from a file for an error message: as is when plain and short, else quoted (escaped, bounded). */
export function shownName(s: string): string {
  return /^[\w.\-/]{1,80}$/.test(s) ? s : quote(s);
}

/** Message of anything thrown, on one line. */
export function errorText(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e));
}

export function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** Product of dims, or Infinity once it passes `limit` (so no overflow games). */
export function boundedProduct(shape: readonly number[], limit: number): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > limit) return Infinity;
  }
  return n;
}

/** Whether the ASCII string `s` occurs in bytes [0, limit). */
export function bytesInclude(bytes: Uint8Array, s: string, limit = bytes.length): boolean {
  const n = Math.min(limit, bytes.length) - s.length, c0 = s.charCodeAt(0);
  for (let i = bytes.indexOf(c0); i >= 0 && i <= n; i = bytes.indexOf(c0, i + 1)) {
    let k = 1;
    while (k < s.length && bytes[i + k] === s.charCodeAt(k)) k++;
    if (k === s.length) return true;
  }
  return false;
}
