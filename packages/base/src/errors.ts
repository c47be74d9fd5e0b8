/**
 * The one catalogue of stable error codes.
 *
 * Contract:
 * - A code, once published, keeps its number, exit code and HTTP status forever.
 * - A code is never deleted and never reused: a code that is no longer raised is marked
 *   `retired` and stays here. `test/errors.test.ts` enforces unique numbers and names.
 * - Exit codes follow sysexits(3) where one fits; 1 is "the operation failed".
 * - `vigil agent exec` is the one command whose exit code is not from here: it is the agent's rc.
 */
export interface ErrorSpec {
  /** Unique, never reused. */
  readonly n: number;
  /** Process exit code for the CLI. */
  readonly exit: number;
  /** HTTP status for the REST API. */
  readonly http: number;
  /** One line for the documentation. */
  readonly summary: string;
  readonly retired?: true;
}

export const ERROR_CATALOGUE = {
  VGL_E_INTERNAL: {
    n: 1,
    exit: 70,
    http: 500,
    summary: 'A broken invariant or an unexpected failure inside vigil.',
  },
  VGL_E_USAGE: { n: 2, exit: 64, http: 400, summary: 'The command line or request is malformed.' },
  VGL_E_INVALID_INPUT: {
    n: 3,
    exit: 65,
    http: 422,
    summary: 'Input data is well-formed but invalid (a value out of range, a missing field).',
  },
  VGL_E_PARSE: {
    n: 4,
    exit: 65,
    http: 400,
    summary: 'Input could not be parsed (XML, YAML, JSON, a packet).',
  },
  VGL_E_NOT_FOUND: {
    n: 5,
    exit: 66,
    http: 404,
    summary: 'A named resource, node, agent, file or constraint does not exist.',
  },
  VGL_E_EXISTS: { n: 6, exit: 73, http: 409, summary: 'The thing to create exists already.' },
  VGL_E_TIMEOUT: {
    n: 7,
    exit: 75,
    http: 504,
    summary: 'An operation did not finish within its deadline.',
  },
  VGL_E_UNAVAILABLE: {
    n: 8,
    exit: 69,
    http: 503,
    summary: 'A service, daemon or peer needed for the operation is not reachable.',
  },
  VGL_E_IO: {
    n: 9,
    exit: 74,
    http: 500,
    summary: 'Reading or writing a file, socket or device failed.',
  },
  VGL_E_CONFIG: {
    n: 10,
    exit: 78,
    http: 422,
    summary: 'The cluster configuration file is invalid.',
  },
  VGL_E_PERMISSION: {
    n: 11,
    exit: 77,
    http: 403,
    summary: 'Not permitted: file modes, credentials, or the cluster key.',
  },
  VGL_E_NOT_LEADER: {
    n: 12,
    exit: 75,
    http: 421,
    summary: 'This node is not the Raft leader; the error names the leader if known.',
  },
  VGL_E_NO_QUORUM: { n: 13, exit: 75, http: 503, summary: 'This partition does not have quorum.' },
  VGL_E_LIMIT: {
    n: 14,
    exit: 65,
    http: 413,
    summary: 'A bound was exceeded: size, count, queue depth or rate.',
  },
  VGL_E_AUTH: { n: 15, exit: 77, http: 401, summary: 'A packet or request failed authentication.' },
  VGL_E_UNSUPPORTED: {
    n: 16,
    exit: 69,
    http: 501,
    summary: 'The feature, agent class or platform is not supported here.',
  },
  VGL_E_AGENT: {
    n: 17,
    exit: 1,
    http: 502,
    summary: 'A resource or fence agent failed, misbehaved or returned malformed output.',
  },
  VGL_E_FENCE_FAILED: {
    n: 18,
    exit: 1,
    http: 502,
    summary: 'No fencing level could fence the target.',
  },
  VGL_E_CONFLICT: {
    n: 19,
    exit: 75,
    http: 409,
    summary: 'The request conflicts with a concurrent change (stale version or term).',
  },
  VGL_E_CIB_INVALID: {
    n: 20,
    exit: 65,
    http: 422,
    summary: 'A CIB is malformed or violates the schema; the error names the element.',
  },
  VGL_E_CANCELLED: {
    n: 21,
    exit: 1,
    http: 499,
    summary: 'The operation was cancelled before it completed.',
  },
} as const satisfies Record<`VGL_E_${string}`, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error carrying a stable code. `details` is structured context for logs and JSON output. */
export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Readonly<Record<string, unknown>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'VigilError';
    this.code = code;
    this.details = details;
  }

  get exitCode(): number {
    return ERROR_CATALOGUE[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http;
  }

  toJSON(): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isVigilError(e: unknown): e is VigilError {
  return e instanceof VigilError;
}

/** Exit code for any thrown value: a VigilError's own, otherwise VGL_E_INTERNAL's. */
export function exitCodeOf(e: unknown): number {
  return isVigilError(e) ? e.exitCode : ERROR_CATALOGUE.VGL_E_INTERNAL.exit;
}
