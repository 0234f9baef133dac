import type { Rng } from './prng.js';

/** Draws indexes with probability proportional to fixed non-negative weights (cumulative sums + binary search). */
export class WeightedSampler {
  private readonly cumulative: Float64Array;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i += 1) {
      sum += weights[i]!;
      this.cumulative[i] = sum;
    }
  }

  get total(): number {
    return this.cumulative.length === 0 ? 0 : this.cumulative[this.cumulative.length - 1]!;
  }

  sample(rng: Rng): number {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * Splits `total` into integer parts proportional to `weights` (largest remainder method): the parts sum to
 * `total` exactly and a zero weight always gets zero.
 */
export function allocate(total: number, weights: ArrayLike<number>): Int32Array {
  const parts = new Int32Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i += 1) sum += weights[i]!;
  if (sum <= 0 || total <= 0) return parts;
  const remainders: { index: number; fraction: number }[] = [];
  let given = 0;
  for (let i = 0; i < weights.length; i += 1) {
    const quota = (total * weights[i]!) / sum;
    const whole = Math.floor(quota);
    parts[i] = whole;
    given += whole;
    if (quota > whole) remainders.push({ index: i, fraction: quota - whole });
  }
  remainders.sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (let k = 0; given < total && k < remainders.length; k += 1) {
    const index = remainders[k]!.index;
    parts[index] = parts[index]! + 1;
    given += 1;
  }
  return parts;
}

/** `count` distinct integers from [0, n), in random order (partial Fisher–Yates over a scratch permutation). */
export function sampleDistinct(rng: Rng, n: number, count: number): Int32Array {
  const permutation = new Int32Array(n);
  for (let i = 0; i < n; i += 1) permutation[i] = i;
  const take = Math.min(n, count);
  for (let i = 0; i < take; i += 1) {
    const j = i + rng.int(n - i);
    const chosen = permutation[j]!;
    permutation[j] = permutation[i]!;
    permutation[i] = chosen;
  }
  return permutation.slice(0, take);
}
