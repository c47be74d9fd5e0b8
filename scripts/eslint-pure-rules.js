// @ts-check
// The determinism rule set for pure cores. Shared by eslint.config.js and the test that proves it fires.

/** Source files that must be deterministic. */
export const PURE_CORE_FILES = [
  'packages/raft/src/**/*.ts',
  'packages/scheduler/src/**/*.ts',
  'packages/cib/src/**/*.ts',
  'packages/controller/src/decide/**/*.ts',
  'packages/heartbeat/src/core/**/*.ts',
  'packages/base/src/**/*.ts',
  'packages/sim/src/**/*.ts',
];

/** Edges inside those packages that are allowed to do I/O. */
export const PURE_CORE_EXCEPTIONS = [
  'packages/base/src/real/**',
  'packages/cib/src/io/**',
  'packages/sim/src/cli.ts',
];

const NODE_BUILTINS = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'console',
  'crypto',
  'dgram',
  'diagnostics_channel',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'timers/promises',
  'tls',
  'tty',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

const why =
  'pure core: deterministic code takes time, randomness and I/O as inputs (DEVELOPERS.md, principle 1)';

/** @type {import('eslint').Linter.RulesRecord} */
export const pureCoreRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: NODE_BUILTINS.map((name) => ({ name, message: `${why}; no Node built-ins.` })),
      patterns: [{ group: ['node:*'], message: `${why}; no node: imports.` }],
    },
  ],
  'no-restricted-globals': [
    'error',
    ...[
      'Date',
      'setTimeout',
      'setInterval',
      'setImmediate',
      'clearTimeout',
      'clearInterval',
      'clearImmediate',
      'queueMicrotask',
      'process',
      'performance',
      'crypto',
      'fetch',
      'require',
      'Buffer',
      'global',
    ].map((name) => ({ name, message: `${why}; '${name}' is banned here.` })),
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: `${why}; use a seeded Random passed in.` },
    { object: 'globalThis', message: `${why}; no ambient globals.` },
  ],
};
