import { VigilError } from '@vigil/base';

/**
 * The application channel: opaque, bounded, unreliable messages between nodes over the same
 * authenticated (and encrypted) sockets as heartbeats and Raft. Delivery is at most once and
 * unordered, like the UDP it rides on; reliability (timeouts, resends, de-duplication) is the
 * caller's job. Received messages wait in a bounded inbox and are delivered as `app` events
 * from a fresh macrotask, so a slow or throwing handler never runs inside the receive path.
 */
export const MSG_APP = 3;

/** Received messages waiting for delivery; beyond this, new ones are dropped and counted. */
export const APP_INBOX_CAPACITY = 1024;

export interface AppMessage {
  readonly from: string;
  readonly data: Uint8Array;
}

export interface AppStats {
  readonly sent: number;
  readonly received: number;
  /** Dropped on receipt because the inbox was full. */
  readonly inboxOverflow: number;
  /** Delivery handlers that threw. */
  readonly handlerErrors: number;
}

export class AppInbox {
  private readonly items: AppMessage[] = [];
  private scheduled = false;
  private stats = { sent: 0, received: 0, inboxOverflow: 0, handlerErrors: 0 };

  constructor(private readonly deliver: (m: AppMessage) => void) {}

  /** Checks a payload against the packet budget before it is sealed. */
  static check(data: Uint8Array, maxBytes: number, to: string): void {
    if (data.length === 0)
      throw new VigilError('VGL_E_INVALID_INPUT', `empty application message to ${to}`);
    if (data.length > maxBytes)
      throw new VigilError(
        'VGL_E_LIMIT',
        `application message to ${to} of ${data.length} bytes exceeds ${maxBytes} bytes`,
        { bytes: data.length, maxBytes },
      );
  }

  sent(): void {
    this.stats.sent++;
  }

  push(m: AppMessage): void {
    if (this.items.length >= APP_INBOX_CAPACITY) {
      this.stats.inboxOverflow++;
      return;
    }
    this.stats.received++;
    this.items.push(m);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    for (const m of this.items.splice(0, this.items.length)) {
      try {
        this.deliver(m);
      } catch {
        this.stats.handlerErrors++;
      }
    }
  }

  clear(): void {
    this.items.length = 0;
  }

  get counters(): AppStats {
    return { ...this.stats };
  }
}
