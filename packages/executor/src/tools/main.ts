/**
 * Entry point of vigil's agent commands (agent-bin/*): `node main.js TOOL ARGS…`.
 * The executor passes VIGIL_CLUSTER_STATE (the node's attribute store) and VIGIL_NODE_NAME, and
 * under a daemon VIGIL_CLUSTER_SOCKET (its cluster port, used instead of the file).
 */
import { hostname } from 'node:os';
import { FileClusterPort } from '../cluster/file-port.js';
import { SocketClusterPort } from '../cluster/socket-port.js';
import { runTool } from './commands.js';

const [tool, ...args] = process.argv.slice(2);
const state = process.env.VIGIL_CLUSTER_STATE;
const socket = process.env.VIGIL_CLUSTER_SOCKET;
if (tool === undefined) {
  process.stderr.write('usage: main.js TOOL [ARGS…]\n');
  process.exitCode = 64;
} else if (socket !== undefined && socket !== '') {
  process.exitCode = await runTool(tool, args, new SocketClusterPort(socket), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    env: process.env,
  });
} else if (state === undefined || state === '') {
  process.stderr.write(
    `${tool}: VIGIL_CLUSTER_STATE is not set: this is vigil's ${tool}, for agents run by vigil's executor\n`,
  );
  process.exitCode = 1;
} else {
  const port = new FileClusterPort(state, process.env.VIGIL_NODE_NAME ?? hostname());
  process.exitCode = await runTool(tool, args, port, {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    env: process.env,
  });
}
