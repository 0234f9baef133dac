const number = new Intl.NumberFormat('en-US');

/** 1234 -> `1,234`. */
export const formatCount = (value: number): string => number.format(value);

/** `1,234 ms`, or `–` when not measured. */
export const formatMs = (value: number | null): string =>
  value === null ? '–' : `${number.format(Math.round(value))} ms`;

/** `1 change`, `2 changes`, `3 batches`. */
export const plural = (count: number, one: string, many = `${one}s`): string =>
  `${number.format(count)} ${count === 1 ? one : many}`;
