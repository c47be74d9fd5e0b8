/** @vigil/daemon — vigild: the node daemon that wires the ports to real I/O. */
export * from './config/index.js';
