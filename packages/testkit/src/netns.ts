import { runOk, run, type RunResult } from './process.js';

const IP_TIMEOUT_MS = 10_000;

/**
 * A network namespace this process created, with a veth link into a shared bridge.
 * Tests and benchmarks use these as separate hosts on one machine. Names are prefixed so a
 * crashed run's leftovers are recognisable (`vgl-`), and `destroy` is idempotent.
 */
export class Netns implements AsyncDisposable {
  private constructor(
    readonly name: string,
    readonly address: string,
  ) {}

  /** Creates namespace `name` with loopback up. */
  static async create(name: string, address = ''): Promise<Netns> {
    const full = name.startsWith('vgl-') ? name : `vgl-${name}`;
    await run('ip', ['netns', 'del', full], { timeoutMs: IP_TIMEOUT_MS });
    await runOk('ip', ['netns', 'add', full], { timeoutMs: IP_TIMEOUT_MS });
    await runOk('ip', ['-n', full, 'link', 'set', 'lo', 'up'], { timeoutMs: IP_TIMEOUT_MS });
    return new Netns(full, address);
  }

  /** Runs a command inside the namespace. */
  exec(command: string, args: readonly string[], timeoutMs = IP_TIMEOUT_MS): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.name, command, ...args], { timeoutMs });
  }

  async destroy(): Promise<void> {
    await run('ip', ['netns', 'del', this.name], { timeoutMs: IP_TIMEOUT_MS });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}

/**
 * A bridge in the root namespace joining several namespaces, each with address `prefix.N/24`.
 * `NetnsLan.create('t', 3)` gives hosts vgl-t1..vgl-t3 at 10.199.0.1..3 on bridge vgl-t-br.
 */
export class NetnsLan implements AsyncDisposable {
  private constructor(
    readonly bridge: string,
    readonly hosts: readonly Netns[],
  ) {}

  static async create(tag: string, count: number, prefix = '10.199.0'): Promise<NetnsLan> {
    const bridge = `vgl-${tag}-br`;
    const o = { timeoutMs: IP_TIMEOUT_MS };
    await run('ip', ['link', 'del', bridge], o);
    await runOk('ip', ['link', 'add', bridge, 'type', 'bridge'], o);
    await runOk('ip', ['link', 'set', bridge, 'up'], o);
    const hosts: Netns[] = [];
    for (let i = 1; i <= count; i++) {
      const addr = `${prefix}.${i}`;
      const ns = await Netns.create(`vgl-${tag}${i}`, addr);
      const host = `vgl-${tag}${i}h`;
      await run('ip', ['link', 'del', host], o);
      await runOk(
        'ip',
        ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name],
        o,
      );
      await runOk('ip', ['link', 'set', host, 'master', bridge], o);
      await runOk('ip', ['link', 'set', host, 'up'], o);
      await runOk('ip', ['-n', ns.name, 'addr', 'add', `${addr}/24`, 'dev', 'eth0'], o);
      await runOk('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'up'], o);
      hosts.push(ns);
    }
    return new NetnsLan(bridge, hosts);
  }

  async destroy(): Promise<void> {
    for (const h of this.hosts) await h.destroy();
    await run('ip', ['link', 'del', this.bridge], { timeoutMs: IP_TIMEOUT_MS });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}
