/**
 * Ports: the only ways the cores reach the outside world. Each has a real implementation
 * (`@vigil/base` real/, `@vigil/heartbeat`, `@vigil/executor`) and a simulated one in `@vigil/sim`.
 * Pure cores never take ports at all: they are fed ticks and messages by a shell that owns ports.
 */

export interface TimerHandle {
  cancel(): void;
}

/** Time. Units are in the names. */
export interface Clock {
  /** Wall-clock time in ms since the Unix epoch. May jump; use only for display and records. */
  wallMs(): number;
  /** Monotonic time in ms from an arbitrary origin. Use for every timeout and interval. */
  monotonicMs(): number;
  /** Calls `fn` once after `delayMs` of monotonic time. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Resolves after `delayMs`. */
  sleep(delayMs: number): Promise<void>;
}

/** Randomness. The simulated one is seeded and replayable. */
export interface Random {
  /** A uniformly random integer in [0, 2^32). */
  u32(): number;
  /** A uniformly random float in [0, 1). */
  float(): number;
  /** A uniformly random integer in [minInclusive, maxExclusive). */
  int(minInclusive: number, maxExclusive: number): number;
  bytes(length: number): Uint8Array;
}

/**
 * Durable storage. Writes are buffered until `sync`; a crash loses unsynced writes and may
 * leave a torn tail (the simulated disk does exactly this). `rename` is atomic; the new name
 * is durable after `syncDir`.
 */
export interface Disk {
  read(path: string): Promise<Uint8Array | undefined>;
  list(dir: string): Promise<string[]>;
  mkdirp(dir: string): Promise<void>;
  write(path: string, data: Uint8Array): Promise<void>;
  append(path: string, data: Uint8Array): Promise<void>;
  truncate(path: string, sizeBytes: number): Promise<void>;
  sync(path: string): Promise<void>;
  syncDir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** An address on one link, e.g. `{ host: '127.0.0.2', port: 5405 }`. */
export interface LinkAddress {
  readonly host: string;
  readonly port: number;
}

/** Unreliable datagram transport between nodes (heartbeats, Raft messages). */
export interface Transport {
  send(to: LinkAddress, packet: Uint8Array): void;
  onPacket(handler: (packet: Uint8Array, from: LinkAddress) => void): void;
  close(): Promise<void>;
}

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stdin?: string;
  readonly timeoutMs: number;
  /** Output beyond this many bytes per stream is dropped and flagged. */
  readonly maxOutputBytes: number;
}

export interface ProcessResult {
  /** Exit code, or null when killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  readonly durationMs: number;
}

/** Runs a child process as a process-group leader; completion is process exit, not pipe close. */
export interface ProcessRunner {
  run(spec: ProcessSpec, signal?: AbortSignal): Promise<ProcessResult>;
}

export type FenceAction = 'off' | 'on' | 'reboot' | 'status' | 'monitor' | 'list';

export interface FenceResult {
  readonly target: string;
  readonly action: FenceAction;
  readonly ok: boolean;
  /** Device ids tried, in order, with their outcome. */
  readonly attempts: readonly { device: string; ok: boolean; reason: string }[];
  readonly durationMs: number;
}

/** Takes a node out of the cluster. `ok` only when the target is confirmed off. */
export interface Fencer {
  fence(target: string, action: FenceAction): Promise<FenceResult>;
}
