#!/usr/bin/env node
/**
 * msgd: runs one messaging node (heartbeats, membership, quorum, Raft log) from a JSON config.
 *
 *   node msgd.js --config FILE        run a node
 *   node msgd.js --gen-authkey PATH   write a fresh authkey file (mode 0600)
 *
 * Control channel: one command per line on stdin, one JSON reply per line on stdout.
 *   propose ID TEXT     → {"id":ID,"ok":true,"index":N} or {"id":ID,"ok":false,"code":…}
 *   status ID           → {"id":ID,"ok":true,"status":{…}}
 *   log ID FROM         → {"id":ID,"ok":true,"entries":[[index,text],…]} (≤ 1000 entries)
 * Events are written as {"event":{…},"monoMs":…}; late heartbeats are also logged on stderr.
 * The first line is {"ready":true,…} once the node is up. SIGTERM closes it cleanly.
 *
 * Like Corosync (which runs with real-time scheduling), msgd raises its own CPU priority so a
 * loaded machine does not starve its heartbeats: nice `VIGIL_MSGD_NICE` (default -10) when
 * permitted; otherwise it warns on stderr and runs at the inherited priority.
 */
import { readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { isVigilError, exitCodeOf, VigilError } from '@vigil/base';
import { generateAuthkeyFile } from '@vigil/wire';
import { MessagingNode } from '../node.js';
import { parseConfig } from '../config.js';

const MAX_LINE_BYTES = 64 * 1024;
const MAX_LOG_KEPT = 200_000;
const MAX_LOG_REPLY = 1000;

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function fail(e: unknown): never {
  const msg = isVigilError(e) ? `${e.code}: ${e.message}` : `VGL_E_INTERNAL: ${String(e)}`;
  process.stderr.write(`msgd: ${msg}\n`);
  process.exit(exitCodeOf(e));
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--gen-authkey' && argv[1]) {
    await generateAuthkeyFile(argv[1]);
    return;
  }
  if (argv[0] !== '--config' || !argv[1]) {
    throw new VigilError('VGL_E_USAGE', 'usage: msgd --config FILE | msgd --gen-authkey PATH');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(argv[1], 'utf8'));
  } catch (e) {
    throw new VigilError('VGL_E_CONFIG', `cannot read config ${argv[1]}: ${String(e)}`);
  }
  const config = parseConfig(raw);
  const nice = Number(process.env.VIGIL_MSGD_NICE ?? '-10');
  if (Number.isInteger(nice) && nice >= -20 && nice <= 19) {
    try {
      setPriority(0, nice);
    } catch (e) {
      process.stderr.write(`msgd: warning: cannot set nice ${nice}: ${String(e)}\n`);
    }
  }
  // The replicated state machine of this host: the committed entries, as text, in order.
  const applied: { index: number; text: string }[] = [];
  const decoder = new TextDecoder();
  const node = await MessagingNode.start(config, {
    onCommitted: (e) => {
      applied.push({ index: e.index, text: decoder.decode(e.data) });
      if (applied.length > MAX_LOG_KEPT) applied.splice(0, applied.length - MAX_LOG_KEPT);
    },
  });
  node.on('event', (ev: { type: string }) => {
    out({ event: ev, monoMs: performance.now() });
    if (ev.type === 'late') process.stderr.write(`msgd: late heartbeat ${JSON.stringify(ev)}\n`);
    if (ev.type === 'fatal') {
      process.stderr.write(`msgd: fatal: ${JSON.stringify(ev)}\n`);
      process.exit(70);
    }
  });
  const shutdown = (): void => {
    void node.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  out({ ready: true, name: node.name, pid: process.pid, incarnation: node.incarnation });

  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (line.length > MAX_LINE_BYTES) {
      out({ id: null, ok: false, code: 'VGL_E_LIMIT', message: 'command line too long' });
      return;
    }
    const sp1 = line.indexOf(' ');
    const cmd = sp1 < 0 ? line : line.slice(0, sp1);
    const rest = sp1 < 0 ? '' : line.slice(sp1 + 1);
    const sp2 = rest.indexOf(' ');
    const id = sp2 < 0 ? rest : rest.slice(0, sp2);
    const arg = sp2 < 0 ? '' : rest.slice(sp2 + 1);
    const reply = (r: Record<string, unknown>): void => out({ id, ...r });
    const replyErr = (e: unknown): void => {
      if (isVigilError(e))
        reply({ ok: false, code: e.code, message: e.message, details: e.details });
      else reply({ ok: false, code: 'VGL_E_INTERNAL', message: String(e) });
    };
    switch (cmd) {
      case 'propose':
        node
          .propose(new TextEncoder().encode(arg))
          .then((index) => reply({ ok: true, index }), replyErr);
        break;
      case 'status':
        try {
          reply({ ok: true, status: node.status() });
        } catch (e) {
          replyErr(e);
        }
        break;
      case 'log': {
        const from = Number(arg || '1');
        const entries = applied
          .filter((a) => a.index >= from)
          .slice(0, MAX_LOG_REPLY)
          .map((a) => [a.index, a.text]);
        reply({ ok: true, entries });
        break;
      }
      default:
        reply({
          ok: false,
          code: 'VGL_E_USAGE',
          message: `unknown command ${JSON.stringify(cmd)}`,
        });
    }
  });
  rl.on('close', () => {
    // stdin closed: keep running; the node is stopped by a signal.
  });
}

main(process.argv.slice(2)).catch(fail);
