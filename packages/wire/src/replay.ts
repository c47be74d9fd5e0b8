/**
 * Replay protection for one sender: its incarnation (which only grows across restarts) plus a
 * sliding window over sequence numbers. A packet is fresh when its incarnation is newer than any
 * seen, or equal and its sequence number is above the window's floor and not yet seen.
 * Only consult this *after* the packet authenticated, or a forger could slide the window.
 */
export const REPLAY_WINDOW = 1024;

export type ReplayVerdict = 'fresh' | 'replay' | 'stale-incarnation';

export class ReplayWindow {
  private incarnation = -1;
  private top = 0;
  /** Bit i set = sequence (top - i) was seen. */
  private readonly seen = new Uint32Array(REPLAY_WINDOW / 32);

  /** Checks without recording. */
  check(incarnation: number, seq: number): ReplayVerdict {
    if (incarnation < this.incarnation) return 'stale-incarnation';
    if (incarnation > this.incarnation) return 'fresh';
    if (seq > this.top) return 'fresh';
    const age = this.top - seq;
    if (age >= REPLAY_WINDOW) return 'replay';
    return this.bit(age) ? 'replay' : 'fresh';
  }

  /** Records a packet that `check` called fresh. */
  accept(incarnation: number, seq: number): void {
    if (incarnation > this.incarnation) {
      this.incarnation = incarnation;
      this.top = seq;
      this.seen.fill(0);
      this.setBit(0);
      return;
    }
    if (seq > this.top) {
      this.shift(seq - this.top);
      this.top = seq;
      this.setBit(0);
      return;
    }
    this.setBit(this.top - seq);
  }

  get currentIncarnation(): number {
    return this.incarnation;
  }

  private bit(age: number): boolean {
    return ((this.seen[age >>> 5]! >>> (age & 31)) & 1) === 1;
  }

  private setBit(age: number): void {
    this.seen[age >>> 5]! |= 1 << (age & 31);
  }

  /** Ages every recorded sequence by `by`. */
  private shift(by: number): void {
    if (by >= REPLAY_WINDOW) {
      this.seen.fill(0);
      return;
    }
    const words = by >>> 5;
    const bits = by & 31;
    const n = this.seen.length;
    for (let i = n - 1; i >= 0; i--) {
      const src = i - words;
      const lo = src >= 0 ? this.seen[src]! : 0;
      const lower = src - 1 >= 0 ? this.seen[src - 1]! : 0;
      this.seen[i] = bits === 0 ? lo : ((lo << bits) | (lower >>> (32 - bits))) >>> 0;
    }
  }
}
