import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentHostIn, type AgentHost } from '@vigil/executor';

/**
 * A private OCF root for tests: the system's providers and shell library linked in, plus a
 * `vigiltest` provider whose agents the test writes itself.
 */
export async function testHost(dir: string, node = 'node1'): Promise<AgentHost> {
  const ocfRoot = join(dir, 'ocf');
  await mkdir(join(ocfRoot, 'resource.d', 'vigiltest'), { recursive: true });
  await symlink('/usr/lib/ocf/lib', join(ocfRoot, 'lib'));
  for (const p of ['heartbeat', 'pacemaker']) {
    await symlink(`/usr/lib/ocf/resource.d/${p}`, join(ocfRoot, 'resource.d', p));
  }
  return agentHostIn(join(dir, 'state'), node, { ocfRoot, initDir: join(dir, 'init.d') });
}

/** Writes an executable test agent `ocf:vigiltest:NAME`. */
export async function writeAgent(host: AgentHost, name: string, body: string): Promise<void> {
  const p = join(host.ocfRoot, 'resource.d', 'vigiltest', name);
  await writeFile(p, body);
  await chmod(p, 0o755);
}

/**
 * An agent that writes its whole environment, one NAME=VALUE per line, to
 * $OCF_RESKEY_dump.$action, prints an exit reason when asked, and exits with $OCF_RESKEY_rc.
 */
export const ENV_DUMP_AGENT = `#!/bin/sh
env > "$OCF_RESKEY_dump.$1"
[ -n "$OCF_RESKEY_reason" ] && echo "ocf-exit-reason:$OCF_RESKEY_reason" >&2
echo "some log line" >&2
exit \${OCF_RESKEY_rc:-0}
`;

export function parseEnvDump(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}
