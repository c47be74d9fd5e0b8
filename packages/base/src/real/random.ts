import { randomBytes, randomInt } from 'node:crypto';
import type { Random } from '../ports.js';

/** The real random source: the OS CSPRNG. */
export class SystemRandom implements Random {
  u32(): number {
    return randomBytes(4).readUInt32LE(0);
  }

  float(): number {
    return this.u32() / 2 ** 32;
  }

  int(minInclusive: number, maxExclusive: number): number {
    return randomInt(minInclusive, maxExclusive);
  }

  bytes(length: number): Uint8Array {
    return new Uint8Array(randomBytes(length));
  }
}
