import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { AGENT_BIN_DIR, FileClusterPort, PACEMAKER_COMPAT_VERSION } from '@vigil/executor';
import { needs, run, tempDir } from '@vigil/testkit';

/** Runs one of vigil's agent commands as an agent would: through its script, by name on PATH. */
function tool(state: string, node: string, script: string, extraEnv: Record<string, string> = {}) {
  return run('sh', ['-c', script], {
    timeoutMs: 30_000,
    env: {
      PATH: `${AGENT_BIN_DIR}:/usr/bin:/bin`,
      HA_SBIN_DIR: AGENT_BIN_DIR,
      VIGIL_NODE_BIN: process.execPath,
      VIGIL_CLUSTER_STATE: state,
      VIGIL_NODE_NAME: node,
      ...extraEnv,
    },
  });
}

describe('agent commands (crm_attribute, crm_master, attrd_updater, crm_node, crm_resource, pacemakerd)', () => {
  it('crm_attribute sets, queries (quiet and not), and deletes node attributes per lifetime', async () => {
    await using dir = await tempDir('tools-attr');
    const st = join(dir.path, 'cluster.json');
    const q = async (s: string): Promise<[number | null, string]> => {
      const r = await tool(st, 'n1', s, { OCF_RESOURCE_INSTANCE: 'db:0' });
      return [r.code, r.stdout];
    };
    assert.deepEqual(await q('crm_attribute -N n1 -n color -v blue -l reboot'), [0, '']);
    assert.deepEqual(await q('crm_attribute -N n1 -n color -G -q -l reboot'), [0, 'blue\n']);
    assert.deepEqual(await q('crm_attribute --node=n1 --name=color --query --lifetime=reboot'), [
      0,
      'scope=status  name=color value=blue\n',
    ]);
    // lifetimes are separate; the default node is the local node
    assert.deepEqual(await q('crm_attribute -l forever -n color -G --quiet'), [105, '']);
    assert.deepEqual(await q('crm_attribute -l forever -n color -G -q -d red'), [0, 'red\n']);
    assert.deepEqual(await q('crm_attribute -n color -l reboot -D'), [0, '']);
    assert.deepEqual(await q('crm_attribute -N n1 -n color -G -q -l reboot'), [105, '']);
    // promotion scores: crm_attribute --promotion and crm_master name master-<resource>
    await q('crm_attribute --promotion -v 7');
    const port = new FileClusterPort(st, 'n1');
    assert.equal(await port.getAttribute({ node: 'n1', name: 'master-db', scope: 'reboot' }), '7');
    assert.deepEqual(await q('crm_master -Q -G'), [0, '7\n']);
    assert.deepEqual(await q('crm_master -l reboot -v 100 && crm_master --quiet --get-value'), [
      0,
      '100\n',
    ]);
    assert.deepEqual(await q('crm_master --lifetime forever -N n2 --quiet --update 3'), [0, '']);
    assert.equal(await port.getAttribute({ node: 'n2', name: 'master-db', scope: 'forever' }), '3');
    assert.deepEqual(await q('crm_master -l reboot -D; crm_master -G -q'), [105, '']);
    // crm_config options
    const doc = port.read();
    doc.options = { 'stonith-enabled': 'false' };
    await writeFile(st, JSON.stringify(doc));
    assert.deepEqual(
      await q(
        'crm_attribute --type=crm_config --name=stonith-enabled --query --quiet --default=true',
      ),
      [0, 'false\n'],
    );
    assert.deepEqual(
      await q('crm_attribute --type crm_config --name no-quorum-policy --query -q --default=stop'),
      [0, 'stop\n'],
    );
    // redis keeps replication info in a cluster option
    assert.deepEqual(
      await q(
        'crm_attribute --type crm_config --name r_REPL_INFO -s redis_replication -v n1 && crm_attribute -t crm_config -n r_REPL_INFO -G -q',
      ),
      [0, 'n1\n'],
    );
    assert.deepEqual(
      await q(
        'crm_attribute -t crm_config -n r_REPL_INFO -D; crm_attribute -t crm_config -n r_REPL_INFO -G -q',
      ),
      [105, ''],
    );
    const bad = await tool(st, 'n1', 'crm_attribute -n x -l sometimes -v 1');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /invalid lifetime 'sometimes'/);
  });

  it('attrd_updater updates, queries, deletes, with private attributes apart', async () => {
    await using dir = await tempDir('tools-attrd');
    const st = join(dir.path, 'cluster.json');
    const t = (s: string) => tool(st, 'n1', s);
    assert.equal((await t('attrd_updater -n pingd -U 1000 -d 5s')).code, 0);
    assert.equal(
      (await t('attrd_updater -n pingd -Q')).stdout,
      'name="pingd" host="n1" value="1000"\n',
    );
    assert.equal(
      (await t('crm_attribute -n pingd -l reboot -G -q')).stdout,
      '1000\n',
      'attrd writes transient attrs',
    );
    assert.equal((await t('attrd_updater -p --name secret --update s3')).code, 0);
    assert.equal(
      (await t('attrd_updater -p --name secret --query')).stdout,
      'name="secret" host="n1" value="s3"\n',
    );
    assert.equal((await t('attrd_updater --name secret --query')).code, 105, 'private is separate');
    assert.equal(
      (await t('attrd_updater -n pingd -B 5 -d 1s && attrd_updater -n pingd -Q -A')).stdout,
      'name="pingd" host="n1" value="5"\n',
    );
    assert.equal((await t('attrd_updater -D -n pingd && attrd_updater -n pingd -Q')).code, 105);
    assert.equal((await t('attrd_updater -n x -U 1 -d soon')).code, 64);
  });

  it("concurrent writers never lose each other's updates", async () => {
    await using dir = await tempDir('tools-conc');
    const st = join(dir.path, 'cluster.json');
    const n = 12;
    await Promise.all(
      Array.from({ length: n }, (_, i) => tool(st, 'n1', `attrd_updater -n a${i} -U v${i}`)),
    );
    const port = new FileClusterPort(st, 'n1');
    for (let i = 0; i < n; i++) {
      assert.equal(
        await port.getAttribute({ node: 'n1', name: `a${i}`, scope: 'reboot' }),
        `v${i}`,
      );
    }
  });

  it(
    'crm_node, pacemakerd -$ and ocf_local_nodename answer for this node',
    { ...needs('file:/usr/lib/ocf/lib/heartbeat/ocf-shellfuncs') },
    async () => {
      await using dir = await tempDir('tools-node');
      const st = join(dir.path, 'cluster.json');
      assert.equal((await tool(st, 'alpha', 'crm_node -n')).stdout, 'alpha\n');
      assert.equal((await tool(st, 'alpha', 'crm_node -l')).stdout, '1 alpha member\n');
      assert.equal((await tool(st, 'alpha', 'crm_node -p')).stdout, 'alpha\n');
      assert.equal((await tool(st, 'alpha', 'crm_node -q')).stdout, '1\n');
      await writeFile(
        st,
        JSON.stringify({
          version: 1,
          quorum: false,
          nodes: [
            { id: 1, name: 'alpha', member: true },
            { id: 2, name: 'beta', member: false },
            { id: 3, name: 'gamma', member: true },
          ],
        }),
      );
      assert.equal((await tool(st, 'alpha', 'crm_node --partition')).stdout, 'alpha gamma\n');
      assert.equal((await tool(st, 'gamma', 'crm_node -i')).stdout, '3\n');
      assert.equal((await tool(st, 'alpha', 'crm_node -N 2')).stdout, 'beta\n');
      assert.equal((await tool(st, 'alpha', 'crm_node -q')).stdout, '0\n');
      const v = await tool(st, 'alpha', 'pacemakerd -$');
      assert.equal(v.code, 0);
      assert.match(
        v.stdout,
        new RegExp(`^Pacemaker ${PACEMAKER_COMPAT_VERSION.replace(/\./g, '\\.')}\\n`),
      );
      assert.equal((await tool(st, 'alpha', 'pacemakerd')).code, 64);
      const ln = await tool(
        st,
        'gamma',
        '. /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs; ocf_local_nodename',
        { OCF_ROOT: '/usr/lib/ocf' },
      );
      assert.equal(ln.stdout, 'gamma\n', ln.stderr);
    },
  );

  it('crm_resource reads meta and parameters, locates, and edits utilization', async () => {
    await using dir = await tempDir('tools-rsc');
    const st = join(dir.path, 'cluster.json');
    const port = new FileClusterPort(st, 'n1');
    await port.recordResource({
      id: 'pg:1',
      agent: 'ocf:heartbeat:pgsqlms',
      params: { pgdata: '/x' },
      meta: { notify: 'true' },
      state: 'promoted',
    });
    const t = (s: string) => tool(st, 'n1', s, { OCF_RESOURCE_INSTANCE: 'pg:1' });
    assert.equal(
      (await t('crm_resource --resource "$OCF_RESOURCE_INSTANCE" --meta --get-parameter notify'))
        .stdout,
      'true\n',
    );
    assert.equal((await t('crm_resource -r pg -g pgdata')).stdout, '/x\n');
    assert.equal((await t('crm_resource -r pg --meta -g nope')).code, 105);
    assert.equal((await t('crm_resource -r other -g pgdata')).code, 105);
    assert.equal(
      (await t('crm_resource --locate -r pg')).stdout,
      'resource pg is running on: n1 Promoted\n',
    );
    assert.equal((await t('crm_resource -W -Q -r pg')).stdout, 'n1\n');
    assert.equal(
      (await t('crm_resource -r pg -z -p cpu -v 2 && crm_resource -Q -r pg -z -g cpu')).stdout,
      '2\n',
    );
    assert.equal(
      (
        await t(
          'crm_resource --resource=pg --utilization --delete-parameter=cpu; crm_resource -r pg -z -g cpu',
        )
      ).code,
      105,
    );
    await port.recordResource({
      id: 'pg:1',
      agent: 'ocf:heartbeat:pgsqlms',
      params: { pgdata: '/x' },
      meta: { notify: 'true' },
      state: 'stopped',
    });
    const nr = await t('crm_resource --locate -r pg');
    assert.equal(nr.stdout, '');
    assert.match(nr.stderr, /NOT running/);
  });
});
