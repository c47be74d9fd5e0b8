import type { Clock, TimerHandle } from '@vigil/base';

interface Event {
  readonly atMs: number;
  readonly seq: number;
  readonly fn: () => void | Promise<void>;
  cancelled: boolean;
}

/**
 * Virtual world time and its event queue. Nothing happens between events; `run` pops them in
 * (time, insertion) order and awaits each, so a run is a pure function of its seed.
 */
export class SimWorld {
  private heap: Event[] = [];
  private seq = 0;
  nowMs = 0;

  /** Schedules `fn` at world time `atMs` (not before now). */
  at(atMs: number, fn: () => void | Promise<void>): TimerHandle {
    const ev: Event = { atMs: Math.max(atMs, this.nowMs), seq: this.seq++, fn, cancelled: false };
    this.push(ev);
    return { cancel: () => (ev.cancelled = true) };
  }

  after(delayMs: number, fn: () => void | Promise<void>): TimerHandle {
    return this.at(this.nowMs + delayMs, fn);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs events until the queue is empty or the next one is after `untilMs`. */
  async run(untilMs: number): Promise<void> {
    while (this.heap.length > 0 && this.heap[0]!.atMs <= untilMs) {
      const ev = this.pop();
      if (ev.cancelled) continue;
      this.nowMs = ev.atMs;
      await ev.fn();
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private less(a: Event, b: Event): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private push(ev: Event): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Event {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * The simulated `Clock` port: one node's view of world time, running at `rate` (1.0 = exact;
 * 1.01 = 1 % fast) from `offsetMs`. Timers fire when the node's own clock reaches them.
 */
export class SimClock implements Clock {
  constructor(
    private readonly world: SimWorld,
    readonly rate = 1,
    private readonly offsetMs = 0,
    private readonly epochMs = 1_700_000_000_000,
  ) {
    if (!(rate > 0)) throw new RangeError(`clock rate must be positive, got ${rate}`);
  }

  monotonicMs(): number {
    return this.offsetMs + this.world.nowMs * this.rate;
  }

  wallMs(): number {
    return this.epochMs + this.monotonicMs();
  }

  setTimer(delayMs: number, fn: () => void | Promise<void>): TimerHandle {
    return this.world.after(Math.max(0, delayMs) / this.rate, fn);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }
}
