/**
 * @vigil/daemon — vigild: the node daemon that wires the ports to real I/O.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/daemon';
