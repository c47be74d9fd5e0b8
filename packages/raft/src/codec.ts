import { VigilError } from '@vigil/base';
import type { Entry, Message, Snapshot, HardState } from './types.js';

/** Binary encoding of messages, entries, snapshots and hard state. Decoders validate fully and
 * throw VGL_E_PARSE on malformed input, never anything else. */
export function encodeMessage(_m: Message): Uint8Array {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
export function decodeMessage(_b: Uint8Array): Message {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
export function encodeEntry(_e: Entry): Uint8Array {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
export function decodeEntry(_b: Uint8Array): Entry {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
export function encodeSnapshot(_s: Snapshot): Uint8Array {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
export function decodeSnapshot(_b: Uint8Array): Snapshot {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
export function encodeHardState(_h: HardState): Uint8Array {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
export function decodeHardState(_b: Uint8Array): HardState {
  throw new VigilError('VGL_E_UNSUPPORTED', 'codec: not implemented yet');
}
