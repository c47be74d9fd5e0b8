export * from './errors.js';
export * from './assert.js';
export * from './ports.js';
export * from './limits.js';
