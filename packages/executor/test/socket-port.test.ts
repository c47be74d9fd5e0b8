import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isVigilError } from '@vigil/base';
import {
  AGENT_BIN_DIR,
  FileClusterPort,
  SocketClusterPort,
  serveClusterPort,
} from '@vigil/executor';
import { run, tempDir } from '@vigil/testkit';

/**
 * The cluster port over a Unix socket: a daemon serves its port, and vigil's agent commands,
 * separate processes run by agents, use it when VIGIL_CLUSTER_SOCKET is set. Served here is a
 * FileClusterPort, so what the commands did can be read back independently.
 */
function tool(socket: string, script: string) {
  return run('sh', ['-c', script], {
    timeoutMs: 30_000,
    env: {
      PATH: `${AGENT_BIN_DIR}:/usr/bin:/bin`,
      VIGIL_NODE_BIN: process.execPath,
      VIGIL_CLUSTER_SOCKET: socket,
      // Set but unused: the socket wins over the file.
      VIGIL_CLUSTER_STATE: '/nonexistent/cluster.json',
      VIGIL_NODE_NAME: 'ignored',
    },
  });
}

function rawRequest(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(line));
    s.on('data', (d: string) => (buf += d));
    s.on('end', () => resolve(buf));
    s.on('error', reject);
  });
}

describe('cluster port over a socket', () => {
  it("serves the agent commands: crm_attribute, attrd_updater and crm_node reach the daemon's port", async () => {
    await using dir = await tempDir('sockport');
    const file = new FileClusterPort(join(dir.path, 'cluster.json'), 'n2');
    file.update((d) => {
      d.nodes = [
        { id: 1, name: 'n1', member: true },
        { id: 2, name: 'n2', member: true },
        { id: 3, name: 'n3', member: false },
      ];
      d.quorum = true;
    });
    const sock = join(dir.path, 'port.sock');
    const server = await serveClusterPort(sock, file);
    try {
      assert.equal(statSync(sock).mode & 0o777, 0o600);
      const set = await tool(sock, 'crm_attribute -N n1 -n color -v blue -l reboot');
      assert.equal(set.code, 0, set.stderr);
      assert.equal(await file.getAttribute({ node: 'n1', name: 'color', scope: 'reboot' }), 'blue');
      const q = await tool(sock, 'attrd_updater -Q -n color -N n1');
      assert.equal(q.code, 0, q.stderr);
      assert.match(q.stdout, /name="color" host="n1" value="blue"/);
      // The local node is the daemon's, not VIGIL_NODE_NAME.
      const name = await tool(sock, 'crm_node -n');
      assert.equal(name.stdout, 'n2\n');
      const list = await tool(sock, 'crm_node -p');
      assert.deepEqual(list.stdout.trim().split(/\s+/).sort(), ['n1', 'n2']);
      const del = await tool(sock, 'crm_attribute -N n1 -n color -D -l reboot');
      assert.equal(del.code, 0, del.stderr);
      assert.equal(
        await file.getAttribute({ node: 'n1', name: 'color', scope: 'reboot' }),
        undefined,
      );
    } finally {
      await server.close();
    }
  });

  it('answers bad requests with an error and passes the port’s own errors through', async () => {
    await using dir = await tempDir('sockport');
    const sock = join(dir.path, 'port.sock');
    const file = new FileClusterPort(join(dir.path, 'cluster.json'), 'n1');
    const server = await serveClusterPort(sock, file);
    try {
      const notJson = JSON.parse(await rawRequest(sock, 'hello\n')) as Record<string, unknown>;
      assert.deepEqual([notJson.ok, notJson.code], [false, 'VGL_E_PARSE']);
      const unknown = JSON.parse(await rawRequest(sock, '{"m":"rmrf","a":[]}\n')) as Record<
        string,
        unknown
      >;
      assert.deepEqual([unknown.ok, unknown.code], [false, 'VGL_E_USAGE']);
      const badArg = JSON.parse(
        await rawRequest(sock, '{"m":"clusterOption","a":[{"x":1}]}\n'),
      ) as Record<string, unknown>;
      assert.deepEqual([badArg.ok, badArg.code], [false, 'VGL_E_USAGE']);
      const client = new SocketClusterPort(sock);
      await client.setClusterOption('stonith-enabled', 'false');
      assert.equal(await client.clusterOption('stonith-enabled'), 'false');
      assert.equal(await client.clusterOption('nope'), undefined);
      await client.setClusterOption('stonith-enabled', undefined);
      assert.equal(await file.clusterOption('stonith-enabled'), undefined);
    } finally {
      await server.close();
    }
    // Nobody listening: a clear error, not a hang.
    await assert.rejects(
      new SocketClusterPort(sock, 5_000).hasQuorum(),
      (e: unknown) => isVigilError(e) && e.code === 'VGL_E_UNAVAILABLE',
    );
  });
});
