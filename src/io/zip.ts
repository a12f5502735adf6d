/**
 * fflate's unzipSync with the sizes in the central directory checked before it allocates:
 * fflate sizes each output buffer by the entry's claimed unpacked size, so one corrupted
 * field would otherwise allocate up to 4 GiB (or more with zip64). Browser-safe.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { shownName } from './bytes.js';

/** Deflate cannot expand data by more than ~1032:1 (RFC 1951 worst case), plus a small header allowance. */
const MAX_DEFLATE_RATIO = 1032;

/** Why an entry's sizes are impossible for an archive of `total` bytes, or '' when plausible. */
export function implausibleZipEntry(f: UnzipFileInfo, total: number): string {
  if (f.size > total) return `entry ${shownName(f.name)} claims ${f.size} packed bytes in a ${total}-byte archive`;
  const ok = f.compression === 0 ? f.originalSize === f.size : f.originalSize <= f.size * MAX_DEFLATE_RATIO + 1024;
  return ok ? '' : `entry ${shownName(f.name)} has inconsistent sizes (${f.size} packed, ${f.originalSize} unpacked)`;
}

/**
 * Unzips the entries `keep` accepts (all by default), refusing impossible sizes and
 * compression methods fflate cannot inflate; errors are one line starting with `what`.
 */
export function unzipChecked(bytes: Uint8Array, what: string, keep: (f: UnzipFileInfo) => boolean = () => true): Record<string, Uint8Array> {
  let problem = '';
  try {
    const files = unzipSync(bytes, {
      filter: (f) => {
        if (problem || !keep(f)) return false;
        if (f.compression !== 0 && f.compression !== 8) problem = `entry ${shownName(f.name)} uses unsupported compression method ${f.compression}`;
        else problem = implausibleZipEntry(f, bytes.length);
        return !problem;
      },
    });
    if (!problem) return files;
  } catch (e) {
    problem ||= (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
  }
  throw new Error(`${what} (${problem})`);
}
