/**
 * @vigil/wire — Wire format: framing, binary encoding, authenticated encryption (AES-256-GCM with
 * the header as associated data) and replay protection for cluster packets.
 */
export { Writer, Reader } from './codec.js';
export {
  MAGIC,
  WIRE_VERSION,
  HEADER_BYTES,
  OVERHEAD_BYTES,
  TAG_BYTES,
  FLAG_ENCRYPTED,
  type Header,
} from './header.js';
export { ReplayWindow, REPLAY_WINDOW, type ReplayVerdict } from './replay.js';
export {
  generateAuthkeyFile,
  loadAuthkeyFile,
  deriveClusterKey,
  AUTHKEY_BYTES,
  AUTHKEY_MIN_BYTES,
  AUTHKEY_MAX_BYTES,
} from './authkey.js';
export {
  WireEndpoint,
  REJECT_REASONS,
  type RejectReason,
  type WireOptions,
  type OpenedPacket,
  type WireStats,
  type PeerWireStats,
} from './endpoint.js';
