/**
 * @vigil/scheduler — Pure scheduler (Pacemaker's job): CIB + time in, explained transition graph out.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/scheduler';
