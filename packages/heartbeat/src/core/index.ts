/** The pure part of the messaging layer: failure detection and quorum arithmetic. */
export * from './detector.js';
export * from './quorum.js';
