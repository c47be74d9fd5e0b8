/**
 * Tickets (rsc_ticket): a resource that depends on a ticket may only run while the ticket is
 * granted and not in standby. When it is not, loss-policy decides: stop (the default), demote
 * (promoted instances are demoted, others stop), fence (nodes running it are fenced, only when the
 * ticket was revoked) or freeze (running copies stay, nothing new starts).
 */
import type { CibElement } from '../cib-tree.js';
import { elementChildren, firstChild } from '../cib-tree.js';
import type { Role, WorkingSet } from '../working-set.js';
import { activeNodes, primitivesOf } from '../working-set.js';
import { parseRole } from '../phases/unpack.js';

export interface TicketConstraint {
  readonly id: string;
  readonly rsc: string;
  readonly ticket: string;
  readonly lossPolicy: 'stop' | 'demote' | 'fence' | 'freeze';
  readonly role?: Role;
}

export interface TicketState {
  readonly granted: boolean;
  readonly standby: boolean;
  /** Explicitly present in the status section (a revoked ticket, not a never-granted one). */
  readonly known: boolean;
}

export function unpackTickets(
  ws: WorkingSet,
  cons: CibElement | undefined,
  status: CibElement | undefined,
): void {
  const tickets = status ? firstChild(status, 'tickets') : undefined;
  for (const t of tickets ? elementChildren(tickets, 'ticket_state') : []) {
    ws.ticketStates.set(t.attrs.id ?? '', {
      granted: t.attrs.granted === 'true',
      standby: t.attrs.standby === 'true',
      known: true,
    });
  }
  for (const c of cons ? elementChildren(cons, 'rsc_ticket') : []) {
    const lp = c.attrs['loss-policy'];
    const role = parseRole(c.attrs['rsc-role']);
    const base = {
      id: c.attrs.id ?? '',
      ticket: c.attrs.ticket ?? '',
      lossPolicy: lp === 'demote' || lp === 'fence' || lp === 'freeze' ? lp : 'stop',
      ...(role === undefined ? {} : { role }),
    } as const;
    if (c.attrs.rsc !== undefined) ws.ticketConstraints.push({ ...base, rsc: c.attrs.rsc });
    // A set's role (role="Promoted": only promotion needs the ticket) applies to its members.
    for (const s of elementChildren(c, 'resource_set')) {
      const setRole = parseRole(s.attrs.role);
      const withRole = setRole === undefined ? base : { ...base, role: setRole };
      for (const r of elementChildren(s, 'resource_ref'))
        ws.ticketConstraints.push({ ...withRole, rsc: r.attrs.id ?? '' });
    }
  }
}

export function ticketUsable(ws: WorkingSet, ticket: string): boolean {
  const st = ws.ticketStates.get(ticket);
  return st !== undefined && st.granted && !st.standby;
}

/** Fencing for loss-policy=fence when a ticket was revoked: runs during unpack, before placement. */
export function applyTicketFencing(ws: WorkingSet): void {
  for (const t of ws.ticketConstraints) {
    if (t.lossPolicy !== 'fence' || ticketUsable(ws, t.ticket)) continue;
    const st = ws.ticketStates.get(t.ticket);
    if (st?.known !== true || st.granted) continue;
    const r = ws.byId.get(t.rsc);
    if (!r || !ws.options.stonithEnabled) continue;
    for (const p of primitivesOf(r)) {
      for (const n of activeNodes(p)) {
        if (t.role === 'Promoted' && p.history.get(n)?.role !== 'Promoted') continue;
        const node = ws.nodeByName.get(n);
        if (node && !node.unclean) {
          node.unclean = true;
          node.fenceReason = 'deadman ticket was lost';
        }
      }
    }
  }
}
