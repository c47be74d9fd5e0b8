/**
 * The DC's fence device monitors: each device's agent `monitor` action, run at the device's
 * interval (a CIB stonith primitive's `op monitor interval=…`, a cluster-file device's
 * `monitorIntervalMs`), as Pacemaker monitors a stonith resource.
 *
 * Contract:
 * - At most one monitor per device runs at a time, with the op's timeout; none starts while the
 *   device is busy (a fencing request or a query holds it): it runs at the next poll after. A
 *   fencing request that comes while a monitor runs on its device preempts it (the fencer kills
 *   the monitor's agent at once; no verdict), so a hanging monitor never delays a fencing.
 * - A device added while monitoring runs is monitored at the next poll; when monitoring starts
 *   (the node became DC), each device's first monitor waits its interval or `startDelayMs`,
 *   whichever is shorter, so the new DC's first fencing (often right after a failover) does not
 *   queue behind a burst of monitors on the same devices. The next monitor is due an interval
 *   after the previous one ended.
 * - `changed` is called only when a device's result differs from the last one known (this
 *   monitor's, else `known`, the replicated record; unknown counts as ok), so a device that keeps
 *   failing is reported once, and once again when it recovers.
 * - `stop()` (the DC steps down) forgets every result: a monitor still running is ignored.
 * A failed monitor changes nothing in how the fencer fences: levels and other devices are used
 * exactly as before, and the device itself is still tried when its level comes.
 */
export interface DeviceMonitorSpec {
  readonly id: string;
  readonly intervalMs: number;
  /** The op's timeout; absent: the device's own (`pcmk_monitor_timeout`). */
  readonly timeoutMs?: number;
}

export interface MonitorResult {
  readonly ok: boolean;
  /** Empty when ok; else the agent's reason. */
  readonly reason: string;
}

export interface FenceMonitorHooks {
  /**
   * Runs the device's monitor action; never rejects (a failure is `ok: false`); undefined when
   * it gave way to a fencing request on the device (no verdict: the next one is an interval on).
   */
  run(id: string, timeoutMs: number | undefined): Promise<MonitorResult | undefined>;
  /** Whether the device is fencing or otherwise busy now. */
  busy(id: string): boolean;
  /** The last result recorded for the device (replicated), if any. */
  known(id: string): MonitorResult | undefined;
  /** The device's result changed: log it and record it. */
  changed(id: string, r: MonitorResult, before: MonitorResult): void;
  monoMs(): number;
  /** The longest wait for a device's first monitor once monitoring starts, ms. Default 10 s. */
  readonly startDelayMs?: number;
}

interface DeviceState {
  spec: DeviceMonitorSpec;
  dueMs: number;
  running: boolean;
  last?: MonitorResult;
}

export class FenceDeviceMonitor {
  private readonly devices = new Map<string, DeviceState>();
  private generation = 0;
  private active = false;

  constructor(private readonly h: FenceMonitorHooks) {}

  /** The devices to monitor (an interval of 0 is not monitored); others are forgotten. */
  configure(specs: readonly DeviceMonitorSpec[]): void {
    const keep = new Set<string>();
    for (const spec of specs) {
      if (spec.intervalMs <= 0) continue;
      keep.add(spec.id);
      const st = this.devices.get(spec.id);
      if (st === undefined)
        this.devices.set(spec.id, { spec, dueMs: this.h.monoMs(), running: false });
      else if (st.spec.intervalMs !== spec.intervalMs || st.spec.timeoutMs !== spec.timeoutMs) {
        st.spec = spec;
        st.dueMs = Math.min(st.dueMs, this.h.monoMs() + spec.intervalMs);
      }
    }
    for (const id of [...this.devices.keys()]) if (!keep.has(id)) this.devices.delete(id);
  }

  /** Starts the monitors that are due (called on the DC's tick). */
  poll(): void {
    if (!this.active) {
      this.active = true;
      const now = this.h.monoMs();
      const delay = this.h.startDelayMs ?? 10_000;
      for (const st of this.devices.values()) st.dueMs = now + Math.min(st.spec.intervalMs, delay);
    }
    const now = this.h.monoMs();
    for (const [id, st] of this.devices) {
      if (st.running || now < st.dueMs || this.h.busy(id)) continue;
      st.running = true;
      const gen = this.generation;
      void this.h.run(id, st.spec.timeoutMs).then((r) => {
        st.running = false;
        st.dueMs = this.h.monoMs() + st.spec.intervalMs;
        if (r === undefined || gen !== this.generation || this.devices.get(id) !== st) return;
        const before = st.last ?? this.h.known(id) ?? { ok: true, reason: '' };
        st.last = r;
        if (r.ok !== before.ok) this.h.changed(id, r, before);
      });
    }
  }

  /** The DC stepped down: results in flight are ignored, and the next DC starts afresh. */
  stop(): void {
    this.generation++;
    this.active = false;
    // A monitor still running keeps `running` until it ends: never two at once on a device.
    for (const st of this.devices.values()) delete st.last;
  }

  /** This DC's last result for a device (undefined before its first monitor). */
  last(id: string): MonitorResult | undefined {
    return this.devices.get(id)?.last;
  }

  /** Device ids monitored now. */
  get monitored(): string[] {
    return [...this.devices.keys()];
  }
}
