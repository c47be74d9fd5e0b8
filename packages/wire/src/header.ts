/**
 * Packet layout, version 1 (big-endian):
 *
 *   off len field
 *     0   4 magic "VGLW"
 *     4   1 version (1)
 *     5   1 message type (1..255; meaning belongs to the user of this package)
 *     6   1 flags: bit 0 = body encrypted; other bits must be 0
 *     7   1 reserved, 0
 *     8   4 cluster id
 *    12   4 sender node id
 *    16   8 sender incarnation (< 2^53; grows on every restart)
 *    24   8 sequence number (< 2^53; starts at 1 in each incarnation)
 *    32  12 AES-GCM nonce: 4 zero bytes + the sequence number (unique under the sender's
 *           per-incarnation key, see endpoint.ts)
 *    44   n body: ciphertext (flag bit 0) or plaintext
 *  44+n  16 GCM tag over header (associated data), and body
 *
 * The whole header is GCM associated data, so nothing in it can be altered undetected. The key
 * is HKDF(cluster key, sender id, incarnation), so a nonce never repeats under one key.
 */
export const MAGIC = new Uint8Array([0x56, 0x47, 0x4c, 0x57]);
export const WIRE_VERSION = 1;
export const HEADER_BYTES = 44;
export const NONCE_OFFSET = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES;
export const FLAG_ENCRYPTED = 1;

export interface Header {
  readonly version: number;
  readonly type: number;
  readonly flags: number;
  readonly clusterId: number;
  readonly sender: number;
  readonly incarnation: number;
  readonly seq: number;
}

export function writeHeader(out: Uint8Array, h: Header, nonce: Uint8Array): void {
  const v = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  out.set(MAGIC, 0);
  v.setUint8(4, h.version);
  v.setUint8(5, h.type);
  v.setUint8(6, h.flags);
  v.setUint8(7, 0);
  v.setUint32(8, h.clusterId);
  v.setUint32(12, h.sender);
  setU64(v, 16, h.incarnation);
  setU64(v, 24, h.seq);
  out.set(nonce, NONCE_OFFSET);
}

/** Reads the header fields; the caller has checked the length. Large u64 halves read as NaN-free. */
export function readHeader(p: Uint8Array): Header & { readonly magicOk: boolean } {
  const v = new DataView(p.buffer, p.byteOffset, HEADER_BYTES);
  const magicOk = p[0] === MAGIC[0] && p[1] === MAGIC[1] && p[2] === MAGIC[2] && p[3] === MAGIC[3];
  return {
    magicOk,
    version: v.getUint8(4),
    type: v.getUint8(5),
    flags: v.getUint8(6) | (v.getUint8(7) << 8),
    clusterId: v.getUint32(8),
    sender: v.getUint32(12),
    incarnation: getU64(v, 16),
    seq: getU64(v, 24),
  };
}

function setU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, Math.floor(n / 2 ** 32));
  v.setUint32(at + 4, n >>> 0);
}

/** Returns -1 for values at or above 2^53, which no honest sender produces. */
function getU64(v: DataView, at: number): number {
  const hi = v.getUint32(at);
  if (hi >= 2 ** 21) return -1;
  return hi * 2 ** 32 + v.getUint32(at + 4);
}
