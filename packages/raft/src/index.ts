/**
 * @vigil/raft — the pure Raft consensus core (tick/step/ready/advance) and its durable storage
 * on the `Disk` port. See README.md for the contract.
 */
export type * from './types.js';
export { RawNode, type Proposed } from './raw-node.js';
export {
  encodeMessage,
  decodeMessage,
  encodeEntry,
  decodeEntry,
  encodeSnapshot,
  decodeSnapshot,
  encodeHardState,
  decodeHardState,
} from './codec.js';
export { RaftStorage, type RaftStorageOptions, type OpenReport } from './storage/raft-storage.js';
export { crc32c } from './storage/crc32c.js';
