/**
 * The local API: JSON lines over a Unix socket. One request per line, one response per line,
 * matched by `id`. Every line is at most MAX_API_LINE_BYTES; every request has a deadline on both
 * sides. Errors carry a stable code: `{ code: 'VGL_E_…', message }`.
 */
/** A request may carry a whole CIB (`vigil config import` of a multi-MiB Pacemaker CIB). */
export const MAX_API_LINE_BYTES = 32 * 1024 * 1024;
export const API_REQUEST_TIMEOUT_MS = 30_000;
export const MAX_API_CONNECTIONS = 64;

export interface ApiRequest {
  readonly id: number;
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Who asks, for the configuration history (`user@host`). */
  readonly who?: string;
}

export type ApiResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string };
    };
