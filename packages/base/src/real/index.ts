export { SystemClock } from './clock.js';
export { SystemRandom } from './random.js';
export { NodeDisk } from './disk.js';
