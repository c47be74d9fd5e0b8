/**
 * @vigil/executor — Local resource manager: runs OCF, LSB, systemd and fence agents unchanged; the fencer; the crm_* commands agents call.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/executor';
