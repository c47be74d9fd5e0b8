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
 *   log ID FROM         → {"id":ID,"ok":true,"entries":[[index,text],…]} (≤ 1000 entries;
 *                         an entry over 4 KiB shows as "big:LENGTH:SHA256")
 *   propose-big ID BYTES [TIMEOUT_MS]
 *                       → proposes BYTES random bytes: {"id":ID,"ok":true,"index":N,"text":…,"ms":…}
 *   compact ID          → compacts the log at the last applied entry, the snapshot being every
 *                         applied entry (large ones whole): {"id":ID,"ok":true,"index":N,"bytes":…}
 * Events are written as {"event":{…},"monoMs":…}; late heartbeats are also logged on stderr.
 * The first line is {"ready":true,…} once the node is up. SIGTERM closes it cleanly.
 *
 * `VIGIL_MSGD_SOCKET_BUFFER` (bytes) asks for smaller socket buffers than the default 4 MiB.
 *
 * Like Corosync (which runs with real-time scheduling), msgd raises its own CPU priority so a
 * loaded machine does not starve its heartbeats: nice `VIGIL_MSGD_NICE` (default -10) when
 * permitted; otherwise it warns on stderr and runs at the inherited priority.
 */
import { readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { isVigilError, exitCodeOf, VigilError } from '@vigil/base';
import { randomBytes } from 'node:crypto';
import { generateAuthkeyFile } from '@vigil/wire';
import { MsgdState, describeEntry } from './msgd-state.js';
import { MessagingNode } from '../node.js';
import { parseConfig } from '../config.js';

const MAX_LINE_BYTES = 64 * 1024;
/** Largest entry `propose-big` makes. */
const MAX_BIG_PROPOSAL_BYTES = 32 * 1024 * 1024;
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
  // The replicated state machine of this host: the committed entries in order.
  const state = new MsgdState();
  // Smaller socket buffers than the default, to try what hosts with Linux's defaults see.
  const socketBufferBytes = Number(process.env.VIGIL_MSGD_SOCKET_BUFFER ?? '0') || undefined;
  const node = await MessagingNode.start(config, {
    onCommitted: (e) => state.add(e.index, e.data),
    onSnapshot: (s) => state.restore(s.data),
    ...(socketBufferBytes === undefined ? {} : { socketBufferBytes }),
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
        reply({ ok: true, entries: state.entries(Number(arg || '1'), MAX_LOG_REPLY) });
        break;
      }
      case 'propose-big': {
        const [bytes, timeout] = arg.split(' ').map(Number);
        if (!Number.isInteger(bytes) || bytes! < 1 || bytes! > MAX_BIG_PROPOSAL_BYTES) {
          reply({
            ok: false,
            code: 'VGL_E_USAGE',
            message: `propose-big needs 1..${MAX_BIG_PROPOSAL_BYTES} bytes`,
          });
          break;
        }
        const data = new Uint8Array(randomBytes(bytes!));
        const t0 = performance.now();
        node
          .propose(data, timeout ? { timeoutMs: timeout } : {})
          .then(
            (index) =>
              reply({ ok: true, index, text: describeEntry(data), ms: performance.now() - t0 }),
            replyErr,
          );
        break;
      }
      case 'compact': {
        const index = state.lastIndex;
        let data: Uint8Array;
        try {
          data = state.snapshot();
        } catch (e) {
          replyErr(e);
          break;
        }
        node
          .compactLog(index, data)
          .then(() => reply({ ok: true, index, bytes: data.length }), replyErr);
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
