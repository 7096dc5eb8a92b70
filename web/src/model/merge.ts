// Background deploys: what another editor's deploy changed, and a
// three-way merge of the server's flows with this editor's undeployed edits.

import type { Model } from './flows';
import type { NRNode } from './types';

export interface NodeChange {
  id: string;
  type: string;
  name: string;
}

export interface FlowsDiff {
  added: NodeChange[];
  changed: NodeChange[];
  deleted: NodeChange[];
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const bo = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}

/** sameNode reports whether two versions of a node are equal (absent
 * counts as a version). */
export function sameNode(a: NRNode | undefined, b: NRNode | undefined): boolean {
  return deepEqual(a, b);
}

function describe(n: NRNode): NodeChange {
  const name = typeof n.name === 'string' && n.name ? n.name : typeof n.label === 'string' ? n.label : '';
  return { id: n.id, type: n.type, name };
}

/** diffFlows lists the nodes that next adds, changes and deletes relative
 * to base, in flows order. */
export function diffFlows(base: Model, next: Model): FlowsDiff {
  const out: FlowsDiff = { added: [], changed: [], deleted: [] };
  for (const id of next.order) {
    const b = base.nodes[id];
    if (!b) out.added.push(describe(next.nodes[id]));
    else if (!sameNode(b, next.nodes[id])) out.changed.push(describe(next.nodes[id]));
  }
  for (const id of base.order) if (!next.nodes[id]) out.deleted.push(describe(base.nodes[id]));
  return out;
}

export interface MergeResult {
  merged: Model;
  /** nodes changed both here and on the server, differently: the server's
   * version (or deletion) was taken */
  conflicts: NodeChange[];
}

/** mergeFlows merges remote (the server's flows) into local (this editor's
 * document), both derived from base (what this editor last deployed or
 * loaded): a node the server did not change keeps its local version
 * (undeployed edits, additions and deletions stay); a node only the server
 * changed takes the server's version; a node both changed differently is a
 * conflict and takes the server's version. Order: the server's, then the
 * local additions in local order. */
export function mergeFlows(base: Model, local: Model, remote: Model): MergeResult {
  const nodes: Record<string, NRNode> = {};
  const order: string[] = [];
  const conflicts: NodeChange[] = [];
  const pick = (id: string): NRNode | undefined => {
    const b = base.nodes[id];
    const l = local.nodes[id];
    const r = remote.nodes[id];
    if (sameNode(r, b)) return l;
    if (sameNode(l, b) || sameNode(l, r)) return r;
    conflicts.push(describe((r ?? l ?? b)!));
    return r;
  };
  const seen = new Set<string>();
  for (const id of [...remote.order, ...local.order, ...base.order]) {
    if (seen.has(id)) continue;
    seen.add(id);
    const n = pick(id);
    if (!n) continue;
    nodes[id] = n;
    order.push(id);
  }
  return { merged: { order, nodes }, conflicts };
}
