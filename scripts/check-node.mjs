// Fails fast, with a clear message, when the scripts are not running on Node 24.
// npm puts node_modules/.bin first on PATH, so after `npm ci` the `node@24` devDependency wins.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(
    `vigil needs Node 24 LTS; this is Node ${process.versions.node}. ` +
      'Run `npm ci` first: it installs Node 24 from the npm registry into node_modules/.bin, ' +
      'which every npm script uses.',
  );
  process.exit(1);
}
