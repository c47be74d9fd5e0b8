import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Executor, FileClusterPort, OCF_RC, type NotifyInfo } from '@vigil/executor';
import { needs, tempDir } from '@vigil/testkit';
import { ENV_DUMP_AGENT, parseEnvDump, testHost, writeAgent } from './helpers.js';

const T = 20_000;

const NOTIFY: NotifyInfo = {
  type: 'pre',
  operation: 'promote',
  start: [],
  stop: [],
  promote: [{ resource: 'st:0', uname: 'node1' }],
  demote: [],
  active: [
    { resource: 'st:0', uname: 'node1' },
    { resource: 'st:1', uname: 'node2' },
  ],
  inactive: [],
  promoted: [],
  unpromoted: [
    { resource: 'st:0', uname: 'node1' },
    { resource: 'st:1', uname: 'node2' },
  ],
  available: [
    { resource: 'st:0', uname: 'node1' },
    { resource: 'st:1', uname: 'node2' },
  ],
  all: [
    { resource: 'st:0', uname: 'node1' },
    { resource: 'st:1', uname: 'node2' },
  ],
};

describe(
  'ocf:pacemaker:Stateful through its full lifecycle',
  { ...needs('file:/usr/lib/ocf/resource.d/pacemaker/Stateful') },
  () => {
    it("start, promote, demote, stop, with promotion scores through vigil's crm_attribute", async () => {
      await using dir = await tempDir('stateful');
      const host = await testHost(dir.path);
      const port = new FileClusterPort(host.clusterStateFile, host.nodeName);
      const ex = new Executor({ host, cluster: port });
      const envfile = join(dir.path, 'envfile');
      const res = {
        id: 'st:0',
        agent: 'ocf:pacemaker:Stateful',
        params: { envfile },
        meta: { notify: 'true', 'promoted-max': '1', 'clone-max': '2', 'globally-unique': 'false' },
      };
      const score = () => port.getAttribute({ node: 'node1', name: 'master-st', scope: 'reboot' });
      const step = async (
        action: string,
        extra: Partial<{ notify: NotifyInfo; intervalMs: number }> = {},
      ) => (await ex.execute(res, { action, timeoutMs: T, ...extra })).rc;

      assert.equal(await step('monitor'), OCF_RC.NOT_RUNNING, 'probe');
      assert.equal(await step('start'), OCF_RC.SUCCESS);
      assert.equal(await score(), '5');
      assert.equal(await step('monitor', { intervalMs: 10_000 }), OCF_RC.SUCCESS);
      assert.equal(await step('notify', { notify: NOTIFY }), OCF_RC.SUCCESS);
      assert.equal(await step('promote'), OCF_RC.SUCCESS);
      assert.equal(await score(), '10');
      assert.equal(await step('monitor', { intervalMs: 10_000 }), OCF_RC.RUNNING_PROMOTED);
      assert.deepEqual((await port.resource('st'))?.promotedOn, ['node1']);
      // stopping a promoted instance is refused: demote first
      assert.equal(await step('stop'), OCF_RC.RUNNING_PROMOTED);
      assert.equal(await step('demote'), OCF_RC.SUCCESS);
      assert.equal(await score(), '5');
      assert.equal(await step('monitor', { intervalMs: 10_000 }), OCF_RC.SUCCESS);
      assert.equal(await step('stop'), OCF_RC.SUCCESS);
      assert.equal(await score(), undefined, 'stop deletes the promotion score');
      assert.equal(await step('monitor'), OCF_RC.NOT_RUNNING);
      assert.deepEqual((await port.resource('st'))?.runningOn, []);

      // What the agent itself saw on notify (Stateful dumps its environment to envfile).
      const dump = await readFile(envfile, 'utf8');
      // Blocks look like "### notify @ DATE ###\nENV\n###".
      const blocks = dump.split('###');
      const at = blocks.findIndex((b) => b.startsWith(' notify @'));
      const notifyBlock = blocks[at + 1];
      assert.ok(at >= 0 && notifyBlock !== undefined, 'Stateful dumped its notify environment');
      const env = parseEnvDump(notifyBlock);
      assert.equal(env.get('OCF_RESKEY_CRM_meta_notify_type'), 'pre');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_notify_operation'), 'promote');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_notify_promote_resource'), 'st:0');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_notify_unpromoted_uname'), 'node1 node2');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_notify_slave_uname'), 'node1 node2', 'old name');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_master_max'), '1', 'old meta name');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_clone'), '0');
      await ex.close();
    });

    it('sends every notify list under the new and the old names, with pre/post and the host list', async () => {
      await using dir = await tempDir('notify-env');
      const host = await testHost(dir.path);
      await writeAgent(host, 'EnvDump', ENV_DUMP_AGENT);
      const dump = join(dir.path, 'env');
      const ex = new Executor({ host });
      const r = await ex.execute(
        { id: 'st:1', agent: 'ocf:vigiltest:EnvDump', params: { dump } },
        {
          action: 'notify',
          timeoutMs: T,
          notify: {
            ...NOTIFY,
            type: 'post',
            promoted: [{ resource: 'st:0', uname: 'node1' }],
            unpromoted: [{ resource: 'st:1', uname: 'node2' }],
          },
        },
      );
      assert.equal(r.rc, 0);
      const env = parseEnvDump(await readFile(`${dump}.notify`, 'utf8'));
      const p = 'OCF_RESKEY_CRM_meta_notify_';
      const want: Record<string, string> = {
        type: 'post',
        operation: 'promote',
        start_resource: ' ',
        start_uname: ' ',
        stop_resource: ' ',
        demote_uname: ' ',
        promote_resource: 'st:0',
        promote_uname: 'node1',
        active_resource: 'st:0 st:1',
        inactive_uname: ' ',
        promoted_resource: 'st:0',
        promoted_uname: 'node1',
        master_resource: 'st:0',
        master_uname: 'node1',
        unpromoted_resource: 'st:1',
        unpromoted_uname: 'node2',
        slave_resource: 'st:1',
        slave_uname: 'node2',
        available_uname: 'node1 node2',
        all_uname: 'node1 node2',
        all_hosts: 'node1 node2',
      };
      for (const [k, v] of Object.entries(want)) assert.equal(env.get(p + k), v, p + k);
      await ex.close();
    });
  },
);
