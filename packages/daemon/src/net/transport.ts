import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { LIMITS, VigilError, type LinkAddress } from '@vigil/base';

/**
 * Authenticated, encrypted datagrams between the nodes of one cluster (interim, until
 * `@vigil/wire` lands): AES-256-GCM with a key derived from the authkey and the cluster name,
 * the 4-byte magic as associated data. Each message carries the sender's name, its incarnation
 * (boot id) and a sequence number; a replay of an old sequence number is dropped.
 *
 * Packet: "VGL1" | iv (12) | tag (16) | ciphertext of UTF-8 JSON.
 */
const MAGIC = Buffer.from('VGL1');

export interface Envelope {
  readonly from: string;
  readonly inc: number;
  readonly seq: number;
  readonly msg: Record<string, unknown> & { readonly t: string };
}

export class SecureTransport {
  private readonly key: Buffer;
  private readonly sock: Socket;
  private seq = 0;
  private readonly lastSeen = new Map<string, { inc: number; seq: number }>();
  private handler: (e: Envelope) => void = () => undefined;
  /** Packets dropped for failing authentication, for status. */
  authFailures = 0;

  constructor(
    authkey: Buffer,
    cluster: string,
    private readonly self: string,
    readonly incarnation: number,
  ) {
    this.key = Buffer.from(
      hkdfSync('sha256', authkey, Buffer.from(cluster), Buffer.from('vigil-link-v1'), 32),
    );
    this.sock = createSocket({ type: 'udp4', reuseAddr: false });
    this.sock.on('message', (buf) => this.onPacket(buf));
    this.sock.on('error', () => undefined);
  }

  bind(addr: LinkAddress): Promise<void> {
    return new Promise((resolve, reject) => {
      const onErr = (e: Error): void =>
        reject(new VigilError('VGL_E_IO', `cannot bind ${addr.host}:${addr.port}: ${e.message}`));
      this.sock.once('error', onErr);
      this.sock.bind(addr.port, addr.host, () => {
        this.sock.off('error', onErr);
        resolve();
      });
    });
  }

  onMessage(h: (e: Envelope) => void): void {
    this.handler = h;
  }

  send(to: LinkAddress, msg: Envelope['msg']): boolean {
    const env: Envelope = { from: this.self, inc: this.incarnation, seq: ++this.seq, msg };
    const plain = Buffer.from(JSON.stringify(env));
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(MAGIC);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    const pkt = Buffer.concat([MAGIC, iv, c.getAuthTag(), ct]);
    if (pkt.length > LIMITS.maxPacketBytes) return false;
    this.sock.send(pkt, to.port, to.host);
    return true;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.sock.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private onPacket(buf: Buffer): void {
    if (
      buf.length < 32 ||
      buf.length > LIMITS.maxPacketBytes ||
      !buf.subarray(0, 4).equals(MAGIC)
    ) {
      this.authFailures++;
      return;
    }
    let env: Envelope;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, buf.subarray(4, 16));
      d.setAAD(MAGIC);
      d.setAuthTag(buf.subarray(16, 32));
      const plain = Buffer.concat([d.update(buf.subarray(32)), d.final()]);
      env = JSON.parse(plain.toString('utf8')) as Envelope;
    } catch {
      this.authFailures++;
      return;
    }
    if (typeof env.from !== 'string' || typeof env.inc !== 'number' || typeof env.seq !== 'number')
      return;
    if (typeof env.msg !== 'object' || typeof env.msg.t !== 'string') return;
    const last = this.lastSeen.get(env.from);
    if (last && (env.inc < last.inc || (env.inc === last.inc && env.seq <= last.seq - 256))) return;
    if (!last || env.inc > last.inc || env.seq > last.seq)
      this.lastSeen.set(env.from, { inc: env.inc, seq: env.seq });
    this.handler(env);
  }
}
