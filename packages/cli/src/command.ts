/** The contract every `vigil` subcommand implements. One file per command group under commands/. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  /** The words that select it, e.g. `['agent', 'exec']`. */
  readonly path: readonly string[];
  /** Usage line, shown in help and README, e.g. `vigil agent exec AGENT ACTION [name=value …]`. */
  readonly usage: string;
  readonly summary: string;
  /** Returns the process exit code. Throw a VigilError for failures with a stable code. */
  run(args: readonly string[], io: Io): Promise<number>;
}
