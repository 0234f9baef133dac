/**
 * A failure the user can act on, told in one line (a taken port, no Java, a bad URL). `main` prints its message
 * alone; the stack and the causes only with --verbose.
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** The process exit code: 1 for a failure, 2 for a usage error. */
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The first line of an error's message (driver messages can run to pages). */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).trim();
}
