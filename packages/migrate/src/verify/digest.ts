import { createHash } from 'node:crypto';

const DIGEST_BYTES = 32;

/**
 * A record as plain JSON values, the same from every store: Dates become ISO strings (millisecond precision, UTC),
 * object keys are sorted, `undefined` members are dropped, arrays keep their order (content tags are ordered).
 */
export function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = normalize(member);
    }
    return out;
  }
  return value;
}

/** The canonical JSON text of a record: what digests are taken over and what differences are named from. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value)) ?? 'undefined';
}

/** SHA-256 of a canonical JSON text. */
export function digestOf(canonical: string): Buffer {
  return createHash('sha256').update(canonical).digest();
}

/** The bucket a record key falls in: the first 32 bits of the key's SHA-256, mod `buckets`. */
export function bucketOf(key: string, buckets: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % buckets;
}

/**
 * Per-bucket digests of a set of records, independent of the order records arrive in (stores scan in different
 * orders): each bucket XORs the digests of its records and counts them. Keys are unique within a store, so no two
 * equal digests cancel out.
 */
export class BucketDigests {
  private readonly xor: Buffer;
  private readonly counts: Uint32Array;

  constructor(readonly buckets: number) {
    if (!Number.isSafeInteger(buckets) || buckets < 1) throw new RangeError('buckets must be a whole number >= 1');
    this.xor = Buffer.alloc(buckets * DIGEST_BYTES);
    this.counts = new Uint32Array(buckets);
  }

  /** Adds one record, given its key and canonical JSON. */
  add(key: string, canonical: string): void {
    const bucket = bucketOf(key, this.buckets);
    const digest = digestOf(canonical);
    const offset = bucket * DIGEST_BYTES;
    for (let i = 0; i < DIGEST_BYTES; i += 1)
      this.xor[offset + i] = (this.xor[offset + i] as number) ^ (digest[i] as number);
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
  }

  /** The buckets where this and `other` disagree, ascending. */
  differingBuckets(other: BucketDigests): number[] {
    if (other.buckets !== this.buckets) throw new RangeError('cannot compare digests over different bucket counts');
    const differing: number[] = [];
    for (let bucket = 0; bucket < this.buckets; bucket += 1) {
      const offset = bucket * DIGEST_BYTES;
      const same =
        this.counts[bucket] === other.counts[bucket] &&
        this.xor.compare(other.xor, offset, offset + DIGEST_BYTES, offset, offset + DIGEST_BYTES) === 0;
      if (!same) differing.push(bucket);
    }
    return differing;
  }

  /** One bucket's digest as hex, e.g. for a report. */
  digestHex(bucket: number): string {
    return this.xor.subarray(bucket * DIGEST_BYTES, (bucket + 1) * DIGEST_BYTES).toString('hex');
  }
}

/** The top-level fields whose canonical values differ between two canonical JSON texts of one record. */
export function differingFields(left: string, right: string): string[] {
  const a = JSON.parse(left) as Record<string, unknown>;
  const b = JSON.parse(right) as Record<string, unknown>;
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...fields].filter((field) => JSON.stringify(a[field]) !== JSON.stringify(b[field])).sort();
}
