import { fmix32, hash32 } from './prng.js';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** One 4-bit tag per kind of generated id, so ids of different record sets can never collide. */
export const idKinds = {
  users: 1,
  contents: 2,
  events: 3,
  communities: 4,
  posts: 5,
  comments: 6,
  activity: 7,
} as const;
export type IdKind = keyof typeof idKinds;

/** A bijection on 32-bit integers: distinct indexes give distinct, unordered-looking values. */
function scramble32(value: number, key: number): number {
  let x = (value ^ key) >>> 0;
  x = Math.imul(x, 0x9e3779b1) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d) >>> 0;
  x ^= x >>> 12;
  return x >>> 0;
}

/**
 * A UUIDv7-shaped id made from the record's timestamp and its index, without randomness: 48 bits of Unix
 * milliseconds (so ids sort roughly by creation time, as core's ids do), the version and variant bits, and 74
 * bits that hold the kind and a bijective scramble of the index (unique by construction) plus seed-dependent
 * noise (different seeds, different ids).
 */
export function deterministicId(timeMs: number, kind: IdKind, index: number, seedHash: number): string {
  const tag = idKinds[kind];
  const noise = hash32(seedHash, tag, index);
  const unique = scramble32(index, fmix32(seedHash ^ tag));
  const ms = Math.floor(timeMs);
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[low >>> 24]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | (noise & 0x0f)]! +
    HEX[(noise >>> 4) & 0xff]! +
    '-' +
    HEX[0x80 | (tag << 2) | ((noise >>> 12) & 0x03)]! +
    HEX[unique >>> 24]! +
    '-' +
    HEX[(unique >>> 16) & 0xff]! +
    HEX[(unique >>> 8) & 0xff]! +
    HEX[unique & 0xff]! +
    HEX[(noise >>> 14) & 0xff]! +
    HEX[(noise >>> 22) & 0xff]! +
    HEX[((noise >>> 30) | (fmix32(noise) << 2)) & 0xff]!
  );
}
