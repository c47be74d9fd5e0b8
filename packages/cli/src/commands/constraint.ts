import { VigilError } from '@vigil/base';
import {
  describeCibConstraint,
  describeConstraint,
  parseScore,
  type CibConfig,
  type Constraint,
} from '@vigil/controller';
import type { Command } from '../command.js';
import { call, takeSocket } from './daemon-client.js';

export const constraintCommands: Command[] = [
  {
    path: ['constraint', 'add'],
    usage: 'vigil constraint add KIND ID ARGS…',
    summary:
      'Add a constraint: `location ID RSC NODE SCORE`, `colocation ID RSC WITH SCORE` or `order ID FIRST THEN` (scores: integers or ±INFINITY).',
    async run(args, io) {
      const { socket, rest } = takeSocket(args);
      const [kind, id, a, b, score] = rest;
      let c: Constraint;
      if (kind === 'location' && id && a && b && score !== undefined)
        c = { kind, id, rsc: a, node: b, score: parseScore(score, 'score') };
      else if (kind === 'colocation' && id && a && b && score !== undefined)
        c = { kind, id, rsc: a, withRsc: b, score: parseScore(score, 'score') };
      else if (kind === 'order' && id && a && b) c = { kind, id, first: a, then: b };
      else
        throw new VigilError(
          'VGL_E_USAGE',
          'usage: vigil constraint add location ID RSC NODE SCORE | colocation ID RSC WITH SCORE | order ID FIRST THEN',
        );
      await call(socket, 'change', { entry: { op: 'constraint-add', constraint: c } });
      io.out(`added ${describeConstraint(c)}\n`);
      return 0;
    },
  },
  {
    path: ['constraint', 'remove'],
    usage: 'vigil constraint remove ID',
    summary: 'Remove a constraint.',
    async run(args, io) {
      const { socket, rest } = takeSocket(args);
      if (rest[0] === undefined)
        throw new VigilError('VGL_E_USAGE', 'constraint remove needs an id');
      await call(socket, 'change', { entry: { op: 'constraint-remove', id: rest[0] } });
      io.out(`removed ${rest[0]}\n`);
      return 0;
    },
  },
  {
    path: ['constraint', 'list'],
    usage: 'vigil constraint list [--json]',
    summary: 'List the constraints.',
    async run(args, io) {
      const { socket, rest } = takeSocket(args);
      const cib = (await call(socket, 'cib')) as { config: CibConfig };
      if (rest.includes('--json')) io.out(`${JSON.stringify(cib.config.constraints, null, 2)}\n`);
      else for (const c of cib.config.constraints) io.out(`${describeCibConstraint(c)}\n`);
      return 0;
    },
  },
];
