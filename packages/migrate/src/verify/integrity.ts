import type { RecordOf, RecordSetName } from '@cohort/core';
import { keyOf, references, type Reference } from '../record-graph.js';

/** Which of the two stores a finding is about. */
export type Side = 'source' | 'target';

/** A record whose reference names a record that does not exist in the same store. */
export interface DanglingReference {
  /** The key of the record holding the reference. */
  readonly key: string;
  /** The id it names. */
  readonly missingId: string;
}

/** One reference (e.g. enrollments.userId → users) checked over one store. */
export interface IntegrityCheck {
  readonly store: Side;
  readonly recordSet: RecordSetName;
  readonly field: string;
  readonly parent: RecordSetName;
  /** Records whose reference was checked. */
  readonly checked: number;
  /** How many references point at nothing (beyond those in flight). */
  readonly danglingCount: number;
  /** The first of them, by key. */
  readonly dangling: readonly DanglingReference[];
  /** Dangling references on records written after verify started: writes in flight, not differences. */
  readonly inFlightCount: number;
  /** The first of them. */
  readonly inFlight: readonly DanglingReference[];
}

/** The record sets other sets point at: their ids are kept while scanning. */
export const parentSets: ReadonlySet<RecordSetName> = new Set(references.map((r) => r.parent));

interface Tally {
  checked: number;
  danglingCount: number;
  /** The first `maxHeld` dangling references, kept so that `results` can still tell some of them in flight. */
  dangling: DanglingReference[];
  inFlightCount: number;
  inFlight: DanglingReference[];
}

/** Dangling references held per check for a late look (a change feed's); beyond them, counts only. */
const MAX_HELD = 10_000;

/** Whether a dangling reference is a write in flight after all: its record or the parent it names changed. */
export type SettleDangling = (reference: Reference, dangling: DanglingReference) => boolean;

/**
 * Checks every reference of one store while verify scans it: parents' ids are collected as their sets go by (verify
 * scans in copy order, parents first), and each child reference is looked up as its record is scanned.
 */
export class IntegrityCollector {
  private readonly ids = new Map<RecordSetName, Set<string>>();
  private readonly complete = new Set<RecordSetName>();
  private readonly tallies = new Map<Reference, Tally>();

  constructor(
    private readonly store: Side,
    private readonly options: {
      /** How many dangling references to list per check. */
      readonly maxListed: number;
      /** Whether a record was written after verify started (its dangling reference is then in flight). */
      readonly inFlight: (record: unknown) => boolean;
    },
  ) {}

  /** Feeds one scanned record. */
  observe<N extends RecordSetName>(name: N, record: RecordOf<N>): void {
    if (parentSets.has(name)) {
      let set = this.ids.get(name);
      if (!set) this.ids.set(name, (set = new Set()));
      set.add((record as { id: string }).id);
    }
    for (const reference of references) {
      if (reference.recordSet !== name || !this.complete.has(reference.parent)) continue;
      const id = (reference as unknown as Reference<N>).idOf(record);
      const tally = this.tally(reference);
      if (id === null) continue;
      tally.checked += 1;
      if (this.ids.get(reference.parent)?.has(id)) continue;
      const dangling = { key: keyOf(name, record), missingId: id };
      if (this.options.inFlight(record)) {
        tally.inFlightCount += 1;
        if (tally.inFlight.length < this.options.maxListed) tally.inFlight.push(dangling);
      } else {
        tally.danglingCount += 1;
        if (tally.dangling.length < MAX_HELD) tally.dangling.push(dangling);
      }
    }
  }

  /** Marks a set as fully scanned, so references into it can be checked. */
  markComplete(name: RecordSetName): void {
    if (parentSets.has(name)) {
      this.complete.add(name);
      if (!this.ids.has(name)) this.ids.set(name, new Set());
    }
  }

  /** Every dangling reference held (not in flight by its timestamps), with the reference it breaks. */
  held(): { reference: Reference; dangling: DanglingReference }[] {
    return [...this.tallies].flatMap(([reference, tally]) =>
      tally.dangling.map((dangling) => ({ reference, dangling })),
    );
  }

  /** The checks run so far, in reference order; held dangling references `settle` accepts are in flight. */
  results(settle?: SettleDangling): IntegrityCheck[] {
    const { maxListed } = this.options;
    return references
      .filter((reference) => this.tallies.has(reference))
      .map((reference) => {
        const tally = this.tallies.get(reference) as Tally;
        const settled = new Set(settle ? tally.dangling.filter((dangling) => settle(reference, dangling)) : []);
        const dangling = settled.size > 0 ? tally.dangling.filter((d) => !settled.has(d)) : tally.dangling;
        return {
          store: this.store,
          recordSet: reference.recordSet,
          field: reference.field,
          parent: reference.parent,
          checked: tally.checked,
          danglingCount: tally.danglingCount - settled.size,
          dangling: dangling.slice(0, maxListed),
          inFlightCount: tally.inFlightCount + settled.size,
          inFlight: [...tally.inFlight, ...settled].slice(0, maxListed),
        };
      });
  }

  private tally(reference: Reference): Tally {
    let tally = this.tallies.get(reference);
    if (!tally)
      this.tallies.set(
        reference,
        (tally = { checked: 0, danglingCount: 0, dangling: [], inFlightCount: 0, inFlight: [] }),
      );
    return tally;
  }
}
