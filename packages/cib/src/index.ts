/**
 * @vigil/cib — Cluster information base: the typed CIB model and Pacemaker CIB XML reader and writer.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/cib';
