import { parseArgs } from 'node:util';
import { isVigilError } from '@vigil/base';
import { Vigild } from './node/vigild.js';

/** vigild's command line. Runs until SIGTERM/SIGINT; returns the exit code. */
export async function runVigild(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' }, node: { type: 'string', short: 'n' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(
      `vigild: VGL_E_USAGE: ${(e as Error).message}\nusage: vigild --config FILE --node NAME\n`,
    );
    return 64;
  }
  const configPath = values.config ?? process.env.VIGIL_CONFIG ?? '/etc/vigil/vigil.yaml';
  const node = values.node ?? process.env.VIGIL_NODE;
  if (!node) {
    process.stderr.write('vigild: VGL_E_USAGE: --node NAME is required (or VIGIL_NODE)\n');
    return 64;
  }
  const split = (v: string | undefined): string[] =>
    v ? v.split(':').filter((x) => x !== '') : [];
  let d: Vigild;
  try {
    d = await Vigild.load({
      configPath,
      node,
      extraOcfDirs: split(process.env.VIGIL_OCF_PATH),
      // Searched before /usr/sbin and the executor's own agents (fence_vigil).
      fenceAgentDirs: split(process.env.VIGIL_FENCE_PATH),
    });
    await d.start();
  } catch (e) {
    if (isVigilError(e)) {
      process.stderr.write(`vigild: ${e.code}: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await d.stop();
  return 0;
}
