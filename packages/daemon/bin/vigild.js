#!/usr/bin/env node
// vigild: the vigil node daemon. Usage: vigild --config FILE --node NAME
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(`vigild needs Node 24 LTS, this is ${process.versions.node}`);
  process.exit(69);
}
const { runVigild } = await import('../dist/src/main.js');
process.exitCode = await runVigild(process.argv.slice(2));
