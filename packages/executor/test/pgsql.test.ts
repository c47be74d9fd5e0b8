import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Executor,
  FileClusterPort,
  OCF_RC,
  agentHostIn,
  type ActionResult,
  type NotifyEntry,
  type NotifyInfo,
} from '@vigil/executor';
import { needs, run, runOk, tempDir } from '@vigil/testkit';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const T = 60_000;

/**
 * PAF (ocf:heartbeat:pgsqlms) on a throw-away PostgreSQL 15 instance. PAF asks the cluster a lot
 * through crm_resource, crm_node, crm_master and attrd_updater -p: vigil's own commands answer.
 */
describe(
  'ocf:heartbeat:pgsqlms (PAF) on a throw-away PostgreSQL',
  {
    ...needs(
      'root',
      'file:/usr/lib/ocf/resource.d/heartbeat/pgsqlms',
      `file:${PG_BIN}/initdb`,
      'cmd:runuser',
    ),
  },
  () => {
    it('start, monitor, promote, demote, stop', async () => {
      await using dir = await tempDir('paf');
      await chmod(dir.path, 0o755);
      const pgdata = join(dir.path, 'data');
      const sock = join(dir.path, 'run');
      const port = 30_000 + (process.pid % 20_000);
      const pw = await run('id', ['-u', 'postgres'], { timeoutMs: 5000 });
      const gid = await run('id', ['-g', 'postgres'], { timeoutMs: 5000 });
      await mkdir(sock);
      await chown(sock, Number(pw.stdout), Number(gid.stdout));
      await chown(dir.path, Number(pw.stdout), Number(gid.stdout));
      await runOk(
        'runuser',
        ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', pgdata, '-A', 'trust', '--no-sync'],
        {
          timeoutMs: 120_000,
        },
      );
      await appendFile(
        join(pgdata, 'postgresql.conf'),
        [
          "listen_addresses = ''",
          `port = ${port}`,
          `unix_socket_directories = '${sock}'`,
          "primary_conninfo = 'host=/nonexistent application_name=node1'",
          "recovery_target_timeline = 'latest'",
          'fsync = off',
          '',
        ].join('\n'),
      );
      const host = agentHostIn(join(dir.path, 'state'), 'node1');
      const cluster = new FileClusterPort(host.clusterStateFile, 'node1');
      const ex = new Executor({ host, cluster });
      const res = {
        id: 'pgsqld',
        agent: 'ocf:heartbeat:pgsqlms',
        params: { bindir: PG_BIN, pgdata, pghost: sock, pgport: String(port) },
        meta: {
          notify: 'true',
          promotable: 'true',
          'promoted-max': '1',
          'clone-max': '1',
          'clone-node-max': '1',
        },
      };
      const me: NotifyEntry[] = [{ resource: 'pgsqld', uname: 'node1' }];
      const none: NotifyEntry[] = [];
      const notify = (
        type: 'pre' | 'post',
        operation: 'promote' | 'demote',
        promoted: NotifyEntry[],
      ): NotifyInfo => ({
        type,
        operation,
        start: none,
        stop: none,
        promote: operation === 'promote' ? me : none,
        demote: operation === 'demote' ? me : none,
        active: me,
        inactive: none,
        promoted,
        unpromoted: promoted.length > 0 ? none : me,
        available: me,
        all: me,
      });
      const act = async (action: string, n?: NotifyInfo, intervalMs = 0): Promise<ActionResult> => {
        const r = await ex.execute(res, {
          action,
          timeoutMs: T,
          intervalMs,
          ...(n ? { notify: n } : {}),
        });
        return r;
      };
      const expectRc = async (
        p: Promise<ActionResult>,
        rc: number,
        what: string,
      ): Promise<void> => {
        const r = await p;
        assert.equal(r.rc, rc, `${what}: ${r.rcName} ${r.exitReason ?? ''}\n${r.stderr}`);
      };
      try {
        await expectRc(act('validate-all'), OCF_RC.SUCCESS, 'validate-all');
        await expectRc(act('monitor'), OCF_RC.NOT_RUNNING, 'probe');
        await expectRc(act('start'), OCF_RC.SUCCESS, 'start');
        await expectRc(act('monitor', undefined, 15_000), OCF_RC.SUCCESS, 'monitor as a standby');
        // PAF sets its promotion score through vigil's crm_master.
        assert.ok(
          (await cluster.getAttribute({
            node: 'node1',
            name: 'master-pgsqld',
            scope: 'forever',
          })) !== undefined,
        );
        await expectRc(
          act('notify', notify('pre', 'promote', none)),
          OCF_RC.SUCCESS,
          'pre-promote',
        );
        assert.match(
          (await cluster.getAttribute({
            node: 'node1',
            name: 'lsn_location-pgsqld',
            scope: 'private',
          })) ?? '',
          /^\d+#\d+$/,
          'PAF stored its LSN with attrd_updater -p',
        );
        await expectRc(act('promote'), OCF_RC.SUCCESS, 'promote');
        await expectRc(
          act('notify', notify('post', 'promote', me)),
          OCF_RC.SUCCESS,
          'post-promote',
        );
        await expectRc(
          act('monitor', undefined, 15_000),
          OCF_RC.RUNNING_PROMOTED,
          'monitor as primary',
        );
        await expectRc(act('notify', notify('pre', 'demote', me)), OCF_RC.SUCCESS, 'pre-demote');
        await expectRc(act('demote'), OCF_RC.SUCCESS, 'demote');
        await expectRc(act('monitor', undefined, 15_000), OCF_RC.SUCCESS, 'monitor after demote');
        await expectRc(act('stop'), OCF_RC.SUCCESS, 'stop');
        await expectRc(act('monitor'), OCF_RC.NOT_RUNNING, 'monitor after stop');
      } finally {
        await run(
          'runuser',
          ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', pgdata, '-m', 'immediate', 'stop'],
          {
            timeoutMs: 60_000,
          },
        );
        await ex.close();
      }
    });
  },
);
