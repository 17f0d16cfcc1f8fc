/** Atomic file writes: the bytes go to a temporary file in the same folder, which is renamed into place. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let temporaryCount = 0;

/**
 * A fresh temporary path beside `target` (same folder, so the final rename is atomic), keeping the
 * extension so tools that infer formats from names (ffmpeg) still work.
 */
export function temporaryPath(target: string): string {
  const ext = path.extname(target);
  const base = path.basename(target, ext);
  return path.join(path.dirname(target), `.${base}.tmp-${process.pid}-${temporaryCount++}${ext}`);
}

/** Writes `data` to `target` atomically, creating parent folders as needed. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = temporaryPath(target);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`cannot write ${target}: ${(e as Error).message}`);
  }
}
