/**
 * Assertions stay on in production (TigerStyle): a broken invariant crashes loudly
 * instead of corrupting cluster state. Use for programmer errors, never for bad input
 * (bad input gets a VigilError with a code).
 */
export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'AssertionFailure';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

export function unreachable(value: never, what = 'value'): never {
  throw new AssertionFailure(`unreachable ${what}: ${JSON.stringify(value)}`);
}

/** Returns `value` if it is defined, otherwise crashes naming `what`. */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AssertionFailure(`${what} is undefined`);
  return value;
}
