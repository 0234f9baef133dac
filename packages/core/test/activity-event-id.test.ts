import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activityEventId } from '../src/activity/activity-event-id.js';
import { idSchema } from '../src/shared/ids.js';
import { sha256 } from '../src/shared/sha256.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('sha256', () => {
  it('matches the FIPS 180-4 examples and node:crypto across block boundaries', () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    expect(hex(sha256(encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(encode('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (const length of [1, 55, 56, 63, 64, 65, 119, 120, 200, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      expect(hex(sha256(data)), `length ${length}`).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});

describe('activityEventId', () => {
  const at = new Date('2031-03-01T12:34:56.789Z');

  it('is a UUIDv7 carrying the change time, which the id schema accepts', () => {
    const id = activityEventId(at, ['joined', 'a', 'b']);
    expect(idSchema.parse(id)).toBe(id);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at.getTime());
  });

  it('is the same for the same change and differs when any part or the time differs', () => {
    const id = activityEventId(at, ['joined', 'a', 'b']);
    expect(activityEventId(new Date(at.getTime()), ['joined', 'a', 'b'])).toBe(id);
    const others = [
      activityEventId(at, ['joined', 'a', 'c']),
      activityEventId(at, ['left', 'a', 'b']),
      activityEventId(at, ['joined', 'ab', '']),
      activityEventId(at, ['joined', 'a', 'b', 1]),
      activityEventId(at, ['joined', 'a', 'b', '1']),
      activityEventId(new Date(at.getTime() + 1), ['joined', 'a', 'b']),
    ];
    expect(new Set([id, ...others]).size).toBe(others.length + 1);
  });

  it('keeps instants before 1970 valid ids (the timestamp is clamped, the hash still tells them apart)', () => {
    const early = [new Date('0001-01-01T00:00:00.000Z'), new Date('1969-12-31T23:59:59.999Z')];
    const ids = early.map((time) => activityEventId(time, ['joined']));
    for (const id of ids) expect(idSchema.parse(id)).toBe(id);
    expect(ids[0]?.slice(0, 13)).toBe('00000000-0000');
    expect(new Set(ids).size).toBe(2);
  });
});
