import { VigilError, exitCodeOf, isVigilError } from '@vigil/base';
import type { Command, Io } from './command.js';
import { COMMANDS } from './registry.js';

export type { Command, Io } from './command.js';

/** Finds the command whose path is the longest prefix of argv. */
export function resolve(
  argv: readonly string[],
): { cmd: Command; rest: readonly string[] } | undefined {
  let best: Command | undefined;
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => argv[i] === w) && c.path.length > (best?.path.length ?? 0)) best = c;
  }
  return best ? { cmd: best, rest: argv.slice(best.path.length) } : undefined;
}

export function helpText(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `vigil — a high-availability cluster manager\n\nUsage:\n${lines.join('\n')}\n\nRun \`vigil help COMMAND\` for one command.\n`;
}

/** Runs the CLI; returns the exit code. Errors print as `vigil: CODE: message` on stderr. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const topic = argv.slice(1).filter((a) => !a.startsWith('-'));
    if (topic.length > 0) {
      const hit = resolve(topic);
      if (!hit) return usageError(io, `no command '${topic.join(' ')}'`);
      io.out(`${hit.cmd.usage}\n\n${hit.cmd.summary}\n`);
      return 0;
    }
    io.out(helpText());
    return 0;
  }
  const hit = resolve(argv);
  if (!hit) return usageError(io, `unknown command '${argv.join(' ')}'`);
  if (hit.rest.includes('--help') || hit.rest.includes('-h')) {
    io.out(`${hit.cmd.usage}\n\n${hit.cmd.summary}\n`);
    return 0;
  }
  try {
    return await hit.cmd.run(hit.rest, io);
  } catch (e) {
    if (isVigilError(e)) {
      io.err(`vigil: ${e.code}: ${e.message}\n`);
    } else {
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      io.err(`vigil: VGL_E_INTERNAL: ${msg}\n`);
    }
    return exitCodeOf(e);
  }
}

function usageError(io: Io, what: string): number {
  const e = new VigilError('VGL_E_USAGE', `${what}; run \`vigil help\``);
  io.err(`vigil: ${e.code}: ${e.message}\n`);
  return e.exitCode;
}
