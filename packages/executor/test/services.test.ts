import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Executor,
  NodeProcessRunner,
  OCF_RC,
  PrefixProcessRunner,
  agentHostIn,
  type ActionResult,
} from '@vigil/executor';
import { Netns, killGroup, needs, run, runOk, tempDir, waitFor } from '@vigil/testkit';

const T = 30_000;

describe(
  'ocf:heartbeat:IPaddr2 in a network namespace',
  { ...needs('root', 'cmd:ip', 'file:/usr/lib/ocf/resource.d/heartbeat/IPaddr2') },
  () => {
    it('adds and removes a virtual IP; monitor follows', async () => {
      await using dir = await tempDir('ipaddr2');
      await using ns = await Netns.create(`ipa${process.pid % 10000}`);
      const o = { timeoutMs: 10_000 };
      await runOk(
        'ip',
        ['-n', ns.name, 'link', 'add', 'vgl0', 'type', 'veth', 'peer', 'name', 'vgl1'],
        o,
      );
      await runOk('ip', ['-n', ns.name, 'addr', 'add', '10.231.0.1/24', 'dev', 'vgl0'], o);
      await runOk('ip', ['-n', ns.name, 'link', 'set', 'vgl0', 'up'], o);
      await runOk('ip', ['-n', ns.name, 'link', 'set', 'vgl1', 'up'], o);
      const host = agentHostIn(dir.path, 'node1');
      const ex = new Executor({
        host,
        runner: new PrefixProcessRunner(new NodeProcessRunner(), ['ip', 'netns', 'exec', ns.name]),
      });
      const res = {
        id: 'vip',
        agent: 'ocf:heartbeat:IPaddr2',
        params: { ip: '10.231.0.50', cidr_netmask: '24', nic: 'vgl0' },
      };
      const addrs = async (): Promise<string> =>
        (await runOk('ip', ['-n', ns.name, '-4', '-o', 'addr', 'show', 'dev', 'vgl0'], o)).stdout;
      const act = async (action: string): Promise<ActionResult> =>
        ex.execute(res, { action, timeoutMs: T });

      assert.equal((await act('monitor')).rc, OCF_RC.NOT_RUNNING, 'probe');
      const start = await act('start');
      assert.equal(start.rc, OCF_RC.SUCCESS, start.stderr);
      assert.match(await addrs(), /10\.231\.0\.50\/24/);
      // The address went into the namespace, not the host.
      assert.doesNotMatch((await run('ip', ['-4', '-o', 'addr'], o)).stdout, /10\.231\.0\.50/);
      assert.equal((await act('monitor')).rc, OCF_RC.SUCCESS);
      const stop = await act('stop');
      assert.equal(stop.rc, OCF_RC.SUCCESS, stop.stderr);
      assert.doesNotMatch(await addrs(), /10\.231\.0\.50/);
      assert.equal((await act('monitor')).rc, OCF_RC.NOT_RUNNING);
      await ex.close();
    });
  },
);

const APACHE_MODULES = ['mpm_prefork', 'authz_core', 'authz_host', 'status'];

describe(
  'ocf:heartbeat:apache with Debian apache2 on a loopback port',
  { ...needs('root', 'cmd:apache2', 'cmd:curl', 'file:/usr/lib/ocf/resource.d/heartbeat/apache') },
  () => {
    it('start, monitor; kill -9 the server and monitor reports not running; stop', async () => {
      await using dir = await tempDir('apache');
      const port = 20_000 + (process.pid % 20_000);
      await chmod(dir.path, 0o755); // apache's children run as www-data
      await mkdir(join(dir.path, 'www'));
      const conf = join(dir.path, 'httpd.conf');
      const pidFile = join(dir.path, 'httpd.pid');
      await writeFile(
        conf,
        [
          'ServerRoot "/etc/apache2"',
          ...APACHE_MODULES.map(
            (m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`,
          ),
          'ServerName 127.0.0.1',
          `Listen 127.0.0.1:${port}`,
          `PidFile ${pidFile}`,
          `ErrorLog ${join(dir.path, 'error.log')}`,
          `DocumentRoot ${join(dir.path, 'www')}`,
          'User www-data',
          'Group www-data',
          '<Directory />',
          '  AllowOverride None',
          '</Directory>',
          '<Location /server-status>',
          '  SetHandler server-status',
          '  Require ip 127.0.0.1',
          '</Location>',
          '',
        ].join('\n'),
      );
      const ex = new Executor({ host: agentHostIn(join(dir.path, 'state'), 'node1') });
      const res = {
        id: 'web',
        agent: 'ocf:heartbeat:apache',
        params: { configfile: conf, statusurl: `http://127.0.0.1:${port}/server-status` },
      };
      const act = (action: string): Promise<ActionResult> =>
        ex.execute(res, { action, timeoutMs: T });
      try {
        assert.equal((await act('monitor')).rc, OCF_RC.NOT_RUNNING, 'probe');
        const start = await act('start');
        assert.equal(start.rc, OCF_RC.SUCCESS, start.stderr);
        assert.equal((await act('monitor')).rc, OCF_RC.SUCCESS);
        const pid = Number((await readFile(pidFile, 'utf8')).trim());
        assert.ok(pid > 1);
        // kill -9 the server: the daemon leads its own session, so its group is the whole server.
        killGroup(pid, 'SIGKILL');
        const seen: number[] = [];
        await waitFor(
          async () => {
            const rc = (await act('monitor')).rc;
            seen.push(rc);
            return rc === OCF_RC.NOT_RUNNING;
          },
          {
            timeoutMs: 20_000,
            intervalMs: 200,
            what: 'monitor to report NOT_RUNNING after kill -9',
          },
        );
        // Until init reaps the orphans, apache's pid-file check may see a zombie and say rc 1.
        assert.ok(
          seen.every((rc) => rc === OCF_RC.NOT_RUNNING || rc === OCF_RC.ERR_GENERIC),
          `monitor rcs ${seen.join(',')}`,
        );
        assert.equal((await act('stop')).rc, OCF_RC.SUCCESS);
        assert.equal((await act('monitor')).rc, OCF_RC.NOT_RUNNING);
      } finally {
        try {
          killGroup(Number((await readFile(pidFile, 'utf8')).trim()), 'SIGKILL');
        } catch {
          // no pid file: nothing left running
        }
        await ex.close();
      }
    });
  },
);
