/** Bounds shared across packages. Every queue, message and output has a limit (TigerStyle). */
export const LIMITS = {
  /** Largest datagram we send or accept, in bytes (fits a loopback/jumbo UDP packet). */
  maxPacketBytes: 60 * 1024,
  /** Largest agent output collected per stream, in bytes. */
  maxAgentOutputBytes: 256 * 1024,
  /** Most nodes in one cluster. */
  maxNodes: 32,
} as const;
