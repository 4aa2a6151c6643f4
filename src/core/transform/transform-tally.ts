import { calculateTypeOf, REJECT_REASONS, type IdentifierType, type RejectReason } from '../identifiers/index.ts';
import type { IdentifierTypeCounts, ManifestFile } from './manifest.ts';
import {
  TALLY_EMPTY,
  TALLY_FIRST_REASON,
  TALLY_LENGTH,
  TALLY_PREHASHED,
  TALLY_VALID,
  type BatchPlan,
} from './normalize-batch.ts';

/** Running counts of a transform, summed from batch results in any order. */
export class TransformTally {
  recordsRead = 0;
  malformedRecords = 0;
  readonly perType: number[][];

  constructor(private readonly plan: BatchPlan) {
    this.perType = plan.types.map(() => new Array<number>(TALLY_LENGTH).fill(0));
  }

  add(tallies: number[][]): void {
    tallies.forEach((counters, typeIndex) => {
      const total = this.perType[typeIndex] as number[];
      counters.forEach((value, slot) => {
        total[slot] = (total[slot] as number) + value;
      });
    });
  }

  /** Digests handed to de-duplication for a type (valid + prehashed). */
  hashed(typeIndex: number): number {
    const counters = this.perType[typeIndex] as number[];
    return (counters[TALLY_VALID] as number) + (counters[TALLY_PREHASHED] as number);
  }

  countsOf(typeIndex: number, columns: string[], unique: number, files: ManifestFile[]): IdentifierTypeCounts {
    const counters = this.perType[typeIndex] as number[];
    const rejected: Partial<Record<RejectReason, number>> = {};
    REJECT_REASONS.forEach((reason, reasonIndex) => {
      const count = counters[TALLY_FIRST_REASON + reasonIndex] as number;
      if (count > 0) rejected[reason] = count;
    });
    return {
      calculateType: calculateTypeOf(this.plan.types[typeIndex] as IdentifierType),
      columns,
      valid: counters[TALLY_VALID] as number,
      prehashed: counters[TALLY_PREHASHED] as number,
      empty: counters[TALLY_EMPTY] as number,
      rejected,
      duplicates: this.hashed(typeIndex) - unique,
      unique,
      files,
    };
  }
}
