import type { RecordSetName } from '@cohort/core';
import { parentsOf } from '../record-graph.js';

/**
 * Runs `task` for each record set, up to `parallel` at a time, starting a set only once every selected set it
 * references has finished. The first failure stops new starts, waits for the running tasks, and is rethrown.
 */
export async function forEachByReferences(
  names: readonly RecordSetName[],
  parallel: number,
  task: (name: RecordSetName) => Promise<void>,
): Promise<void> {
  const finished = new Set<RecordSetName>();
  const running = new Map<RecordSetName, Promise<void>>();
  const waiting = [...names];
  const ready = (name: RecordSetName) =>
    parentsOf(name).every((parent) => !names.includes(parent) || finished.has(parent));
  let failure: { error: unknown } | null = null;
  try {
    for (;;) {
      while (failure === null && running.size < parallel) {
        const index = waiting.findIndex(ready);
        if (index < 0) break;
        const [name] = waiting.splice(index, 1) as [RecordSetName];
        const run = task(name)
          .then(
            () => void finished.add(name),
            (error: unknown) => {
              failure ??= { error };
            },
          )
          .finally(() => running.delete(name));
        running.set(name, run);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    await Promise.all(running.values());
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
}
