/**
 * @vigil/wire — Wire format: framing, binary encoding, authenticated encryption (AES-256-GCM) and replay protection for cluster packets.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/wire';
