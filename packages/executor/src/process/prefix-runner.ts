import type { ProcessResult, ProcessRunner, ProcessSpec } from '@vigil/base';

/**
 * Runs every command through a prefix that execs it, e.g. `ip netns exec NS` or `nsenter -t PID
 * -n -u`: the agent runs inside a simulated node's namespaces, still as the leader of the process
 * group the inner runner creates (the prefix must exec, not fork, for SIGKILL to reach it).
 */
export class PrefixProcessRunner implements ProcessRunner {
  constructor(
    private readonly inner: ProcessRunner,
    private readonly prefix: readonly [string, ...string[]],
  ) {}

  run(spec: ProcessSpec, signal?: AbortSignal): Promise<ProcessResult> {
    const [command, ...rest] = this.prefix;
    return this.inner.run(
      { ...spec, command, args: [...rest, spec.command, ...spec.args] },
      signal,
    );
  }
}
