// Sort-key encodings shared by every keys module: fixed-width so that string order equals numeric order.

// Dates span ±8.64e15 ms; shifting by that bound makes every instant a non-negative 17-digit number.
const TIME_OFFSET = 8_640_000_000_000_000;

/** An instant (epoch ms) as a sortable fixed-width string, including dates before 1970. */
export function timeKey(ms: number): string {
  return String(ms + TIME_OFFSET).padStart(17, '0');
}

/** A non-negative safe integer (positions, sequence numbers) as a sortable fixed-width string. */
export function numberKey(value: number): string {
  return String(value).padStart(16, '0');
}

/** Joins key segments with `#`; every variable segment is either fixed-width or the last one. */
export function joinKey(...segments: (string | number)[]): string {
  return segments.join('#');
}
