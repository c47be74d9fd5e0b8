#!/usr/bin/env node
// vigil CLI entry. Needs Node 24: `npx vigil` and npm scripts get it from node_modules/.bin.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(
    `vigil needs Node 24 LTS, this is ${process.versions.node}; run it as \`npx vigil\` after \`npm ci\`.`,
  );
  process.exit(69);
}
const { main } = await import('../dist/src/main.js');
process.exitCode = await main(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
