import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { LIMITS, VigilError, type LinkAddress, type Transport } from '@vigil/base';

/** Socket buffer size asked for by default. */
export const DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * The real `Transport` for one link: a UDP socket bound to this node's address on that link.
 * Socket errors are counted, never thrown: the network is lossy.
 */
export class UdpTransport implements Transport {
  sendErrors = 0;
  private handler: ((packet: Uint8Array, from: LinkAddress) => void) | undefined;

  private constructor(
    private readonly sock: Socket,
    readonly bound: LinkAddress,
  ) {
    sock.on('message', (msg, rinfo) => {
      if (this.handler) this.handler(msg, { host: rinfo.address, port: rinfo.port });
    });
    sock.on('error', () => {
      this.sendErrors++;
    });
  }

  /**
   * Binds `addr`. The socket buffers are asked for `bufferBytes` each (default 4 MiB; the
   * kernel caps them at net.core.rmem_max / wmem_max).
   */
  static bind(
    addr: LinkAddress,
    timeoutMs = 5000,
    bufferBytes = DEFAULT_SOCKET_BUFFER_BYTES,
  ): Promise<UdpTransport> {
    const sock = createSocket({
      type: isIPv6(addr.host) ? 'udp6' : 'udp4',
      reuseAddr: false,
      lookup: literalLookup,
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sock.close();
        reject(new VigilError('VGL_E_TIMEOUT', `binding UDP ${addr.host}:${addr.port} timed out`));
      }, timeoutMs);
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(
          new VigilError('VGL_E_IO', `cannot bind UDP ${addr.host}:${addr.port}: ${e.message}`, {
            host: addr.host,
            port: addr.port,
          }),
        );
      });
      sock.bind(addr.port, addr.host, () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        try {
          sock.setRecvBufferSize(bufferBytes);
          sock.setSendBufferSize(bufferBytes);
        } catch {
          // the kernel caps these; the defaults still work
        }
        resolve(new UdpTransport(sock, addr));
      });
    });
  }

  /** The receive buffer the kernel granted, in bytes (as it counts them), or 0 if unknown. */
  get recvBufferBytes(): number {
    try {
      return this.sock.getRecvBufferSize();
    } catch {
      return 0;
    }
  }

  send(to: LinkAddress, packet: Uint8Array): void {
    if (packet.length > LIMITS.maxPacketBytes) {
      this.sendErrors++;
      return;
    }
    // No callback: Node then sends synchronously when the kernel takes the datagram at once,
    // without a completion round through the event loop. A datagram it refuses is dropped
    // silently, like one lost on the network; asynchronous socket errors are still counted.
    this.sock.send(packet, to.port, to.host);
  }

  onPacket(handler: (packet: Uint8Array, from: LinkAddress) => void): void {
    this.handler = handler;
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
}

/**
 * Addresses are nearly always IP literals: answer those at once. Node's default `dns.lookup`
 * would check the literal and defer through `process.nextTick` on every single send. Host
 * names still go through the resolver.
 */
function literalLookup(
  host: string,
  opts: LookupOneOptions,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(host);
  if (family !== 0) cb(null, host, family);
  else dnsLookup(host, opts, cb);
}
