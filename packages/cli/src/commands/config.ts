import { readFile } from 'node:fs/promises';
import { VigilError } from '@vigil/base';
import { cibFencing, configFromCibXml, configToCibXml, type Cib } from '@vigil/controller';
import type { StatusView } from '@vigil/daemon';
import type { Command } from '../command.js';
import { call, takeSocket } from './daemon-client.js';

export const configCommands: Command[] = [
  {
    path: ['config', 'import'],
    usage: 'vigil config import FILE.xml',
    summary:
      "Replace the cluster's configuration with a Pacemaker CIB's configuration section (resources, promotable clones, templates, constraints with rules and sets, tags, defaults, nodes, properties, fence devices and fencing topology), in one change.",
    async run(args, io) {
      const { socket, rest } = takeSocket(args);
      const file = rest[0];
      if (file === undefined)
        throw new VigilError('VGL_E_USAGE', 'config import needs a CIB XML file');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new VigilError('VGL_E_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`);
      }
      // Checked here first (every problem named before anything is sent); the entry carries the
      // configuration section alone, rewritten, so a file's status section never reaches the log.
      const { config, warnings } = configFromCibXml(text);
      for (const w of warnings) io.err(`vigil: warning: ${w}\n`);
      // Node settings and constraints name nodes by uname: say which ones this cluster lacks.
      const status = (await call(socket, 'status')) as StatusView;
      const known = new Set(status.nodes.map((n) => n.name));
      const strangers = config.nodes.map((n) => n.uname).filter((n) => !known.has(n));
      if (strangers.length > 0)
        io.err(
          `vigil: warning: the CIB's nodes ${strangers.join(', ')} are not nodes of this cluster (${[...known].join(', ')}): what it says of them applies to no node\n`,
        );
      const xml = configToCibXml(config, 0);
      const r = (await call(socket, 'change', { entry: { op: 'config-replace', xml } })) as {
        version: number;
      };
      io.out(
        `imported ${config.resources.length} resources and ${config.constraints.length} constraints from ${file} (CIB v${r.version})\n`,
      );
      // The DC checked the fence devices and levels with its fencer before applying them.
      const f = cibFencing(config);
      if (f.devices.length > 0 || f.levels.length > 0) {
        const devs = f.devices.map(
          (d) => `${d.id} (stonith:${d.agent}${d.disabled ? ', disabled' : ''})`,
        );
        io.out(
          `fencing: the DC fences with ${devs.length > 0 ? devs.join(', ') : 'no CIB device'} and ${f.levels.length} fencing level${f.levels.length === 1 ? '' : 's'} from the CIB, with the cluster file's devices (\`vigil status\` lists them)\n`,
        );
      }
      return 0;
    },
  },
  {
    path: ['config', 'export'],
    usage: 'vigil config export',
    summary: "Print the cluster's configuration as Pacemaker CIB XML.",
    async run(args, io) {
      const { socket } = takeSocket(args);
      const cib = (await call(socket, 'cib')) as Cib;
      io.out(configToCibXml(cib.config, cib.configVersion));
      return 0;
    },
  },
];
