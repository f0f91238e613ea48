/** Output streams of a command; tests pass their own to capture the output. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal, so progress can redraw one line. */
  isTTY: boolean;
}

/**
 * The reader closed standard output, as `deit-tagger search dog | head` does. The command stops
 * and exits with 0, like other command-line tools whose output `head` cuts short.
 */
export class OutputClosedError extends Error {
  constructor() {
    super('standard output was closed');
    this.name = 'OutputClosedError';
  }
}

function stdoutClosed(): boolean {
  const error: NodeJS.ErrnoException | null = process.stdout.errored;
  return error?.code === 'EPIPE';
}

/**
 * Writes to standard output and throws OutputClosedError once the reader has gone. Writes to a
 * pipe on Linux are synchronous, so `errored` is already set when the failed write returns.
 */
function writeStdout(text: string): void {
  if (stdoutClosed()) throw new OutputClosedError();
  process.stdout.write(text);
  if (stdoutClosed()) throw new OutputClosedError();
}

/** Returns the CliIO of the running process. */
export function processIO(): CliIO {
  return {
    stdout: writeStdout,
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
  };
}

/** An invalid command line: the message states what is wrong, and the command exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
