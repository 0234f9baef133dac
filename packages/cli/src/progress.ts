/**
 * Progress of long steps on stderr. On a terminal one line is rewritten in place and each finished step leaves a
 * line with its duration; elsewhere (CI, a pipe) only the finished steps are written, so logs stay short.
 */
const PLAIN_INTERVAL_MS = 5_000;

export class Progress {
  private started = performance.now();
  private live = false;
  private lastPlainLine = -Infinity;

  constructor(
    private readonly stream: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean } = process.stderr,
    private readonly quiet = false,
  ) {}

  /** Starts timing a step and shows its name. */
  start(text: string): void {
    this.started = performance.now();
    this.lastPlainLine = -Infinity;
    this.update(text);
  }

  /** Replaces the live line on a terminal; elsewhere writes it as a line of its own, at most every 5 seconds. */
  update(text: string): void {
    if (this.quiet) return;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[K… ${text}`);
      this.live = true;
    } else if (performance.now() - this.lastPlainLine >= PLAIN_INTERVAL_MS) {
      this.stream.write(`… ${text}\n`);
      this.lastPlainLine = performance.now();
    }
  }

  /** Ends the step: a line with what was done and how long it took. */
  done(text: string): void {
    if (this.quiet) return;
    this.clear();
    this.stream.write(`✓ ${text} (${formatSeconds(performance.now() - this.started)})\n`);
  }

  /** Writes a line of its own above the live line. */
  note(text: string): void {
    if (this.quiet) return;
    this.clear();
    this.stream.write(`${text}\n`);
  }

  /** Removes the live line, e.g. before an error is printed. */
  clear(): void {
    if (this.live) this.stream.write('\r\x1b[K');
    this.live = false;
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
