/**
 * Small files that must survive a crash once written (the data directory's
 * identity, the tail witness): written beside their place, synced, renamed
 * into it, and the directory synced, so a crash leaves the old file or the
 * new one, never a torn mix.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Write to `file`.tmp, sync it, rename it over `file`, sync the directory. */
export function writeFileDurably(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, data);
  syncPath(temporary);
  renameSync(temporary, file);
  syncPath(dirname(file));
}

/** fsync a file or a directory by path. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
