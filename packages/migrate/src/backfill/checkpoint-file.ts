import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { recordSetNames } from '@cohort/core';
import type { BackfillCheckpoint, CheckpointStore } from './checkpoint.js';

/**
 * Checkpoints in a JSON file. Each save writes a temporary file next to it, flushes it to disk and renames it over the
 * old one: rename is atomic, so a process killed at any instant (kill -9 included) leaves the previous checkpoint or
 * the new one, never half of one.
 */
export function fileCheckpoint(path: string): CheckpointStore {
  let sequence = 0;
  return {
    async load(): Promise<BackfillCheckpoint | null> {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      return parseCheckpoint(text, path);
    },
    async save(checkpoint: BackfillCheckpoint): Promise<void> {
      await mkdir(dirname(path), { recursive: true });
      sequence += 1;
      const temporary = `${path}.${process.pid}.${sequence}.tmp`;
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(`${JSON.stringify(checkpoint, null, 2)}\n`, 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    },
    async clear(): Promise<void> {
      await rm(path, { force: true });
    },
  };
}

/** Reads a checkpoint file's text; anything that is not one of ours is an error naming the file. */
export function parseCheckpoint(text: string, path = 'checkpoint'): BackfillCheckpoint {
  const invalid = (why: string) => new Error(`${path} is not a backfill checkpoint (${why}); delete it to start over`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof value !== 'object' || value === null) throw invalid('not an object');
  const checkpoint = value as Partial<BackfillCheckpoint>;
  if (checkpoint.version !== 1) throw invalid(`version ${String(checkpoint.version)}`);
  if (typeof checkpoint.recordSets !== 'object' || checkpoint.recordSets === null) throw invalid('no recordSets');
  for (const [name, set] of Object.entries(checkpoint.recordSets)) {
    if (!(recordSetNames as readonly string[]).includes(name)) throw invalid(`unknown record set ${name}`);
    const valid =
      typeof set === 'object' &&
      set !== null &&
      (set.cursor === null || typeof set.cursor === 'string') &&
      Number.isSafeInteger(set.copied) &&
      typeof set.done === 'boolean';
    if (!valid) throw invalid(`bad entry for ${name}`);
  }
  return checkpoint as BackfillCheckpoint;
}
