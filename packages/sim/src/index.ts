/**
 * @vigil/sim — Deterministic simulator: seeded clock, random, disk, network and process ports driving the real cores, with fault injection and invariant checkers.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/sim';
