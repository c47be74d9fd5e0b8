import { VigilError } from '@vigil/base';
import { Reader, Writer } from '@vigil/wire';

/** Wire message type of a bundle: several messages for one peer in one packet (3 is MSG_APP). */
export const MSG_BUNDLE = 4;

export interface Part {
  readonly type: number;
  readonly body: Uint8Array;
}

/** Deferred parts held at once (across peers); a node defers one per peer per round at idle. */
const MAX_DEFERRED = 256;

/** Bytes a part takes in a bundle: its type (u8) and length-prefixed body (u32 + bytes). */
const PART_OVERHEAD = 5;

/**
 * Coalesces what one turn of the event loop sends to one peer on one link into as few packets
 * as fit: a leader's Raft heartbeat rides with the heartbeat round it falls on, and a burst of
 * appends to one follower goes out as one datagram. Each packet costs a seal, a syscall and a
 * wake-up of the receiver, so at idle this halves what a leader sends.
 *
 * Parts queued during a turn are flushed in a microtask, in order; a lone part goes out as a
 * plain packet of its own type, several as one MSG_BUNDLE (split when they exceed `maxBodyBytes`).
 *
 * A part that may wait (`defer`: an answer no one waits on, like a Raft heartbeat response) is
 * held until something else goes to the same peer, or until `releaseDeferred` (the next heartbeat
 * round), and then rides in that packet: at idle it costs no packet of its own.
 */
export class Outbox<K> {
  private readonly queued = new Map<K, Part[]>();
  private readonly deferred = new Map<K, Part[]>();
  private deferredCount = 0;
  private releaseAll = false;
  private scheduled = false;

  constructor(
    private readonly maxBodyBytes: number,
    private readonly send: (key: K, type: number, body: Uint8Array) => void,
  ) {}

  push(key: K, type: number, body: Uint8Array): void {
    const q = this.queued.get(key);
    if (q) q.push({ type, body });
    else this.queued.set(key, [{ type, body }]);
    this.schedule();
  }

  /**
   * Holds a part until the next packet to `key` or the next `releaseDeferred`. At most
   * `MAX_DEFERRED` parts wait: beyond that they are all released at once.
   */
  defer(key: K, type: number, body: Uint8Array): void {
    const q = this.deferred.get(key);
    if (q) q.push({ type, body });
    else this.deferred.set(key, [{ type, body }]);
    if (++this.deferredCount > MAX_DEFERRED) this.releaseDeferred();
  }

  /** Sends every deferred part with this turn's packets (or alone, for a peer with none). */
  releaseDeferred(): void {
    if (this.deferredCount === 0) return;
    this.releaseAll = true;
    this.schedule();
  }

  /** Sends everything queued now, each peer's deferred parts first. */
  flush(): void {
    this.scheduled = false;
    const keys = new Set(this.queued.keys());
    if (this.releaseAll) for (const k of this.deferred.keys()) keys.add(k);
    this.releaseAll = false;
    for (const key of keys) {
      const held = this.deferred.get(key) ?? [];
      const queued = this.queued.get(key) ?? [];
      this.deferred.delete(key);
      this.queued.delete(key);
      this.deferredCount -= held.length;
      const parts = held.length === 0 ? queued : [...held, ...queued];
      for (const packet of pack(parts, this.maxBodyBytes)) {
        if (packet.length === 1) this.send(key, packet[0]!.type, packet[0]!.body);
        else this.send(key, MSG_BUNDLE, encodeBundle(packet, this.maxBodyBytes));
      }
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  clear(): void {
    this.queued.clear();
    this.deferred.clear();
    this.deferredCount = 0;
  }
}

/** Groups parts, in order, into packets whose bundle fits `maxBodyBytes`. */
function pack(parts: readonly Part[], maxBodyBytes: number): Part[][] {
  const out: Part[][] = [];
  let cur: Part[] = [];
  let bytes = 0;
  for (const p of parts) {
    const size = PART_OVERHEAD + p.body.length;
    if (cur.length > 0 && bytes + size > maxBodyBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(p);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export function encodeBundle(parts: readonly Part[], maxBodyBytes: number): Uint8Array {
  const w = new Writer(
    maxBodyBytes,
    parts.reduce((n, p) => n + PART_OVERHEAD + p.body.length, 0),
  );
  for (const p of parts) w.u8(p.type).bytes(p.body);
  return w.finish();
}

/** The parts of a bundle body; throws VGL_E_PARSE on a malformed one or a nested bundle. */
export function decodeBundle(body: Uint8Array): Part[] {
  const r = new Reader(body);
  const parts: Part[] = [];
  while (r.remaining > 0) {
    const type = r.u8('bundle part type');
    if (type === MSG_BUNDLE || type === 0) {
      throw new VigilError('VGL_E_PARSE', `bundle part of type ${type}`);
    }
    parts.push({ type, body: r.bytes(body.length, 'bundle part') });
  }
  return parts;
}
