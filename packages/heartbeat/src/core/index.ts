/** The pure part of the messaging layer: failure detection, quorum arithmetic, fragment reassembly. */
export * from './detector.js';
export * from './quorum.js';
export * from './fragments.js';
