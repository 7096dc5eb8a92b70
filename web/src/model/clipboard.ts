// Copy and paste as Node-RED export JSON, so that a copy made in
// Node-RED pastes here and the other way round.

import type { Model } from './flows';
import { addNodes, isConfigNode, parseFlows } from './flows';
import type { NRNode, Specs } from './types';

/** exportNodes returns the Node-RED export of ids: the nodes (a tab brings
 * all its nodes, a group its members), wires only between exported nodes,
 * and the config nodes they refer to. */
export function exportNodes(m: Model, ids: Iterable<string>, specs: Specs): NRNode[] {
  const want = new Set<string>();
  const add = (id: string) => {
    const n = m.nodes[id];
    if (!n || want.has(id)) return;
    want.add(id);
    if (n.type === 'tab' || n.type === 'subflow') {
      for (const o of Object.values(m.nodes)) if (o.z === id) add(o.id);
    }
    if (n.type === 'group' && Array.isArray(n.nodes)) for (const c of n.nodes) if (typeof c === 'string') add(c);
  };
  for (const id of ids) add(id);
  // Config nodes referred to by a property of an exported node.
  for (const id of [...want]) {
    for (const v of Object.values(m.nodes[id])) {
      if (typeof v === 'string' && m.nodes[v] && isConfigNode(m.nodes[v], specs)) want.add(v);
    }
  }
  const out: NRNode[] = [];
  for (const id of m.order) {
    if (!want.has(id)) continue;
    const n = structuredClone(m.nodes[id]);
    if (Array.isArray(n.wires)) n.wires = n.wires.map((p) => p.filter((t) => want.has(t)));
    out.push(n);
  }
  return out;
}

/** exportText is the clipboard text of nodes: compact, or indented by 4 as
 * Node-RED's "formatted" export. */
export function exportText(nodes: readonly NRNode[], formatted = false): string {
  return formatted ? JSON.stringify(nodes, null, 4) : JSON.stringify(nodes);
}

export interface PasteOptions {
  /** the tab nodes without an imported tab go to */
  tab: string;
  /** makes new ids */
  newId: () => string;
  /** moves pasted canvas nodes by this much (e.g. to the mouse) */
  dx?: number;
  dy?: number;
  /** keep the ids that do not clash with nodes of m (Node-RED's import);
   * otherwise every node gets a new id (paste) */
  keepIds?: boolean;
}

export interface PasteResult {
  model: Model;
  /** the new ids of the pasted nodes, in paste order */
  ids: string[];
  /** the new ids of pasted tabs */
  tabs: string[];
}

/** pasteNodes imports Node-RED export JSON (text or nodes) into m: every
 * node gets a new id and every reference between pasted nodes (wires, link
 * targets, group members, catch/status scopes, config node references) is
 * remapped. Wires to nodes not pasted are dropped. A config node whose id
 * already exists in m is not duplicated: the existing one is used. */
export function pasteNodes(m: Model, input: string | readonly NRNode[], specs: Specs, o: PasteOptions): PasteResult {
  const src = typeof input === 'string' ? parseFlows(input) : input;
  const map = new Map<string, string>();
  const reuse = new Set<string>();
  for (const n of src) {
    if (map.has(n.id) || reuse.has(n.id)) continue;
    if (isConfigNode(n, specs) && m.nodes[n.id]) reuse.add(n.id);
    else map.set(n.id, o.keepIds && !m.nodes[n.id] ? n.id : o.newId());
  }
  const ref = (v: unknown): unknown => (typeof v === 'string' && map.has(v) ? map.get(v) : v);
  const tabIds = new Set(src.filter((n) => n.type === 'tab' || n.type === 'subflow').map((n) => n.id));
  const out: NRNode[] = [];
  const done = new Set<string>();
  for (const n0 of src) {
    if (reuse.has(n0.id) || done.has(n0.id)) continue;
    done.add(n0.id);
    const n = structuredClone(n0) as NRNode;
    for (const [k, v] of Object.entries(n)) {
      if (k === 'id' || k === 'type') continue;
      if (k === 'wires' && Array.isArray(v)) {
        n.wires = (v as unknown[]).map((p) =>
          Array.isArray(p) ? p.filter((t) => typeof t === 'string' && map.has(t)).map((t) => map.get(t)!) : [],
        );
      } else if (n0.type === 'subflow' && (k === 'in' || k === 'out' || k === 'status')) {
        n[k] = remapPorts(v, map); // a subflow's ports wire its template's nodes
      } else if ((k === 'links' || k === 'nodes' || k === 'scope') && Array.isArray(v)) {
        n[k] = v.map(ref); // references outside the paste are kept as they are
      } else if (k !== 'z') {
        n[k] = ref(v);
      }
    }
    n.id = map.get(n0.id)!;
    const sf = n0.type.startsWith('subflow:') ? map.get(n0.type.slice('subflow:'.length)) : undefined;
    if (sf) n.type = 'subflow:' + sf; // an instance of a pasted subflow
    if (n.type !== 'tab' && n.type !== 'subflow') {
      if (typeof n0.z === 'string' && tabIds.has(n0.z)) n.z = map.get(n0.z)!;
      else if (!isConfigNode(n, specs) || typeof n0.z === 'string') n.z = o.tab;
      if (!tabIds.has(n0.z ?? '') && typeof n.x === 'number' && typeof n.y === 'number') {
        n.x += o.dx ?? 0;
        n.y += o.dy ?? 0;
      }
    }
    out.push(n);
  }
  return {
    model: addNodes(m, out),
    ids: out.map((n) => n.id),
    tabs: out.filter((n) => n.type === 'tab').map((n) => n.id),
  };
}

/** remapPorts renames the node ids a subflow's in/out/status ports wire. */
function remapPorts(v: unknown, map: ReadonlyMap<string, string>): unknown {
  const one = (p: unknown) => {
    if (!p || typeof p !== 'object' || !Array.isArray((p as { wires?: unknown }).wires)) return p;
    const wires = (p as { wires: { id?: unknown }[] }).wires
      .filter((w) => typeof w?.id === 'string' && map.has(w.id))
      .map((w) => ({ ...w, id: map.get(w.id as string) }));
    return { ...p, wires };
  };
  return Array.isArray(v) ? v.map(one) : one(v);
}
