/**
 * The failure detector: pure, fed heartbeat arrivals and ticks with times as inputs.
 *
 * Each (peer, link) pair has a phi-accrual detector (Hayashibara et al.): from the recent
 * inter-arrival times it estimates how unlikely the current silence is, `phi = -log10(P(silence
 * at least this long))`, assuming normally distributed intervals. A link is declared down when
 * phi reaches `phiThreshold`, but never before `floorMs` of silence (so a quiet, steady network
 * does not make the detector twitchy) and always after `ceilingMs` (so a jittery one cannot make
 * it blind). At `warnPhi`, but never before `warnFloorMs` of silence, a `late` event is raised
 * once per silence: Heartbeat's warntime.
 *
 * A peer is a member while any one of its links is up: losing a link is a link event, losing the
 * last one is a membership event. When the gap between two ticks exceeds `stallMs` (its process
 * was stopped or starved), the excess is forgiven: its own stall is no evidence against the
 * peers. Only the excess, so a receiver that is always a little late still detects, just slower.
 */

export interface DetectorConfig {
  /** Expected heartbeat interval per link. */
  readonly intervalMs: number;
  /** Suspicion level at which a link is declared down. */
  readonly phiThreshold: number;
  /** Suspicion level at which a late heartbeat is reported. */
  readonly warnPhi: number;
  /** Never report a late heartbeat before this much silence (Heartbeat's warntime; at most `floorMs`). */
  readonly warnFloorMs: number;
  /** Lower bound on the standard deviation used, so a very regular link still tolerates jitter. */
  readonly minStdDevMs: number;
  /** Never declare a link down before this much silence. */
  readonly floorMs: number;
  /** Always declare a link down after this much silence. */
  readonly ceilingMs: number;
  /** Inter-arrival samples kept per link. */
  readonly windowSize: number;
  /** A gap between ticks longer than this is the detector's own stall, and is forgiven. */
  readonly stallMs: number;
}

/**
 * Defaults: 100 ms heartbeats; a link is declared down after 450..2000 ms of silence: 450 ms on
 * a steady link (median detection about 400 ms after a crash, the last heartbeat having left on
 * average half an interval before it), later on a jittery one. The floor is what keeps a loaded
 * machine's scheduling stalls (100..300 ms seen on a 2-core machine at load 20) from turning
 * into membership changes: a sender may stall 350 ms. Each heartbeat costs both ends a packet
 * and a wake-up, so the interval is what idle CPU is made of.
 */
export const DEFAULT_DETECTOR: DetectorConfig = {
  intervalMs: 100,
  phiThreshold: 8,
  warnPhi: 3,
  warnFloorMs: 250,
  minStdDevMs: 25,
  floorMs: 450,
  ceilingMs: 2000,
  windowSize: 100,
  stallMs: 40,
};

export function validateDetectorConfig(c: DetectorConfig): string[] {
  const errs: string[] = [];
  const pos = (k: keyof DetectorConfig): void => {
    if (!(Number.isFinite(c[k]) && c[k] > 0)) errs.push(`${k} must be a positive number`);
  };
  for (const k of Object.keys(DEFAULT_DETECTOR) as (keyof DetectorConfig)[]) pos(k);
  if (c.floorMs > c.ceilingMs) errs.push('floorMs must not exceed ceilingMs');
  if (c.warnPhi > c.phiThreshold) errs.push('warnPhi must not exceed phiThreshold');
  if (c.floorMs <= c.intervalMs) errs.push('floorMs must exceed intervalMs');
  return errs;
}

export type LinkState = 'unknown' | 'up' | 'down';

export type DetectorEvent =
  | {
      readonly kind: 'link';
      readonly peer: string;
      readonly link: number;
      readonly up: boolean;
      readonly silentMs: number;
    }
  | {
      readonly kind: 'late';
      readonly peer: string;
      readonly link: number;
      readonly silentMs: number;
      readonly phi: number;
    }
  | { readonly kind: 'member'; readonly peer: string; readonly up: boolean };

export interface LinkView {
  readonly link: number;
  readonly state: LinkState;
  readonly heartbeats: number;
  /** Silence so far at the last tick. */
  readonly silentMs: number;
  readonly phi: number;
  readonly meanIntervalMs: number;
  readonly stdDevMs: number;
  /** Silence after which this link would be declared down now. */
  readonly deadlineMs: number;
  readonly downs: number;
  readonly lates: number;
}

export interface PeerView {
  readonly peer: string;
  readonly member: boolean;
  readonly links: readonly LinkView[];
}

/** Complementary normal CDF via the logistic approximation (max error ~1e-4 of phi's range). */
function phiOf(elapsedMs: number, mean: number, std: number): number {
  const y = (elapsedMs - mean) / std;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  const p = elapsedMs > mean ? e / (1 + e) : 1 - 1 / (1 + e);
  return p <= 0 ? Infinity : -Math.log10(p);
}

class LinkDetector {
  state: LinkState = 'unknown';
  heartbeats = 0;
  downs = 0;
  lates = 0;
  last = 0;
  silentMs = 0;
  phi = 0;
  warned = false;
  private readonly samples: number[] = [];
  private next = 0;
  private sum = 0;
  private sumSq = 0;

  constructor(
    readonly link: number,
    private readonly c: DetectorConfig,
  ) {
    // Seed with the expected interval so the first seconds behave like the steady state.
    this.add(c.intervalMs);
    this.add(c.intervalMs);
  }

  private add(x: number): void {
    if (this.samples.length < this.c.windowSize) {
      this.samples.push(x);
    } else {
      const old = this.samples[this.next]!;
      this.sum -= old;
      this.sumSq -= old * old;
      this.samples[this.next] = x;
      this.next = (this.next + 1) % this.c.windowSize;
    }
    this.sum += x;
    this.sumSq += x * x;
  }

  private get warnFloorMs(): number {
    return Math.min(this.c.warnFloorMs, this.c.floorMs);
  }

  get mean(): number {
    return this.sum / this.samples.length;
  }

  get std(): number {
    const m = this.mean;
    const v = Math.max(0, this.sumSq / this.samples.length - m * m);
    return Math.max(Math.sqrt(v), this.c.minStdDevMs);
  }

  /** Silence at which phi reaches the threshold, clamped to [floor, ceiling]. */
  deadline(): number {
    return Math.min(
      this.c.ceilingMs,
      Math.max(this.c.floorMs, this.silenceAtPhi(this.c.phiThreshold)),
    );
  }

  /** Silence at which phi reaches `phi` (at most the ceiling). */
  private silenceAtPhi(phi: number): number {
    // Invert phi by bisection (phi grows with the silence), to within 0.01 ms.
    const mean = this.mean;
    const std = this.std;
    let lo = 0;
    let hi = this.c.ceilingMs;
    while (hi - lo > 0.01) {
      const mid = (lo + hi) / 2;
      if (phiOf(mid, mean, std) >= phi) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /**
   * The earliest time at which `check` would report something (a warning or the verdict) if no
   * heartbeat arrives before; undefined while the link is not up.
   */
  nextCheckMs(): number | undefined {
    if (this.state !== 'up') return undefined;
    const down = this.last + this.deadline();
    if (this.warned) return down;
    return Math.min(
      down,
      this.last + Math.max(this.warnFloorMs, this.silenceAtPhi(this.c.warnPhi)),
    );
  }

  /** Returns true when this arrival brought the link up. */
  arrival(nowMs: number): boolean {
    this.heartbeats++;
    if (this.state === 'up') {
      const gap = nowMs - this.last;
      // A gap that got the link declared down would poison the estimate; only steady gaps count.
      if (gap >= 0) this.add(Math.min(gap, this.c.ceilingMs));
    }
    this.last = nowMs;
    this.silentMs = 0;
    this.phi = 0;
    this.warned = false;
    if (this.state !== 'up') {
      this.state = 'up';
      return true;
    }
    return false;
  }

  /** Re-evaluates at `nowMs`: returns 'down' when the link just went down, 'late' on a warning. */
  check(nowMs: number): 'down' | 'late' | undefined {
    if (this.state !== 'up') return undefined;
    this.silentMs = Math.max(0, nowMs - this.last);
    this.phi = phiOf(this.silentMs, this.mean, this.std);
    const mustDown =
      this.silentMs >= this.c.ceilingMs ||
      (this.silentMs >= this.c.floorMs && this.phi >= this.c.phiThreshold);
    if (mustDown) {
      this.state = 'down';
      this.downs++;
      return 'down';
    }
    if (!this.warned && this.silentMs >= this.warnFloorMs && this.phi >= this.c.warnPhi) {
      this.warned = true;
      this.lates++;
      return 'late';
    }
    return undefined;
  }

  forgive(byMs: number): void {
    this.last += byMs;
  }

  view(): LinkView {
    return {
      link: this.link,
      state: this.state,
      heartbeats: this.heartbeats,
      silentMs: this.silentMs,
      phi: Number.isFinite(this.phi) ? this.phi : 1e9,
      meanIntervalMs: this.mean,
      stdDevMs: this.std,
      deadlineMs: this.deadline(),
      downs: this.downs,
      lates: this.lates,
    };
  }
}

interface PeerState {
  readonly links: LinkDetector[];
  member: boolean;
}

export class FailureDetector {
  private readonly peers = new Map<string, PeerState>();
  private lastTick: number | undefined;
  private stalls = 0;

  constructor(
    private readonly c: DetectorConfig,
    peers: readonly { readonly id: string; readonly links: number }[],
  ) {
    const errs = validateDetectorConfig(c);
    if (errs.length > 0) throw new RangeError(`detector config: ${errs.join('; ')}`);
    for (const p of peers) this.addPeer(p.id, p.links);
  }

  addPeer(id: string, links: number): void {
    if (this.peers.has(id)) return;
    const ls: LinkDetector[] = [];
    for (let i = 0; i < links; i++) ls.push(new LinkDetector(i, this.c));
    this.peers.set(id, { links: ls, member: false });
  }

  removePeer(id: string): void {
    this.peers.delete(id);
  }

  /** A heartbeat from `peer` arrived on `link` at `nowMs`. Unknown peers/links are ignored. */
  heartbeat(peer: string, link: number, nowMs: number): DetectorEvent[] {
    const p = this.peers.get(peer);
    const l = p?.links[link];
    if (!p || !l) return [];
    const out: DetectorEvent[] = [];
    const silentMs = nowMs - l.last;
    if (l.arrival(nowMs)) {
      out.push({ kind: 'link', peer, link, up: true, silentMs });
      if (!p.member) {
        p.member = true;
        out.push({ kind: 'member', peer, up: true });
      }
    }
    return out;
  }

  /**
   * Re-evaluates every link at `nowMs`. `dueMs` is when this check was meant to run; without it
   * checks are taken to be due back to back, every few ms. A check that runs more than `stallMs`
   * late (or, without `dueMs`, more than `stallMs` after the previous one) is the detector's own
   * stall: the gap since the previous check beyond `stallMs` is forgiven.
   */
  tick(nowMs: number, dueMs?: number): DetectorEvent[] {
    if (this.lastTick !== undefined) {
      const gap = nowMs - this.lastTick;
      const stalled = dueMs === undefined ? gap > this.c.stallMs : nowMs - dueMs > this.c.stallMs;
      if (stalled && gap > this.c.stallMs) {
        this.stalls++;
        const excess = gap - this.c.stallMs;
        for (const p of this.peers.values()) for (const l of p.links) l.forgive(excess);
      }
    }
    this.lastTick = nowMs;
    const out: DetectorEvent[] = [];
    for (const [peer, p] of this.peers) {
      for (const l of p.links) {
        const r = l.check(nowMs);
        if (r === 'down')
          out.push({ kind: 'link', peer, link: l.link, up: false, silentMs: l.silentMs });
        else if (r === 'late') {
          out.push({ kind: 'late', peer, link: l.link, silentMs: l.silentMs, phi: l.phi });
        }
      }
      const anyUp = p.links.some((l) => l.state === 'up');
      if (p.member && !anyUp) {
        p.member = false;
        out.push({ kind: 'member', peer, up: false });
      }
    }
    return out;
  }

  /**
   * The earliest time at which `tick` would report an event if no heartbeat arrived before, or
   * undefined when no link is up. A heartbeat moves its link's time later (up to a small
   * re-estimate of the link's spread), so a caller may check at this time, re-asking after each
   * check, instead of ticking every few ms; one that also checks every heartbeat interval is
   * never later than that interval.
   */
  nextCheckMs(): number | undefined {
    let next: number | undefined;
    for (const p of this.peers.values()) {
      for (const l of p.links) {
        const t = l.nextCheckMs();
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
    }
    return next;
  }

  /** Time of the latest heartbeat from `peer` on any link, or undefined if none yet. */
  lastHeardMs(peer: string): number | undefined {
    const p = this.peers.get(peer);
    if (!p) return undefined;
    let best: number | undefined;
    for (const l of p.links) {
      if (l.heartbeats > 0 && (best === undefined || l.last > best)) best = l.last;
    }
    return best;
  }

  isMember(peer: string): boolean {
    return this.peers.get(peer)?.member ?? false;
  }

  linkState(peer: string, link: number): LinkState {
    return this.peers.get(peer)?.links[link]?.state ?? 'unknown';
  }

  /** Own stalls forgiven so far (the process was not ticked for `stallMs`). */
  get stallCount(): number {
    return this.stalls;
  }

  view(): PeerView[] {
    return [...this.peers].map(([peer, p]) => ({
      peer,
      member: p.member,
      links: p.links.map((l) => l.view()),
    }));
  }
}
