// The editor's document: a Node-RED flows array held as an ordered map of
// the original objects. Every property of every object is kept as loaded
// (unknown node types and properties included), and edits replace objects
// immutably so that undo history shares everything unchanged.

import { nodeLabel } from './labels';
import type { NRNode, Specs } from './types';

export interface Model {
  /** ids in the order of the flows array */
  readonly order: readonly string[];
  readonly nodes: Readonly<Record<string, NRNode>>;
}

export const emptyModel: Model = { order: [], nodes: {} };

/** FlowsError is a flows array that cannot be loaded. */
export class FlowsError extends Error {}

/** parseFlows parses Node-RED export text: an array of nodes or one node. */
export function parseFlows(text: string): NRNode[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FlowsError(`not JSON: ${(e as Error).message}`);
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { flows?: unknown }).flows)) {
    v = (v as { flows: unknown[] }).flows; // an API v2 body {flows, rev}
  }
  const arr = Array.isArray(v) ? v : [v];
  arr.forEach((n, i) => {
    if (!n || typeof n !== 'object' || Array.isArray(n)) throw new FlowsError(`item ${i} is not an object`);
    const o = n as Record<string, unknown>;
    if (typeof o.id !== 'string' || o.id === '') throw new FlowsError(`item ${i} has no id`);
    if (typeof o.type !== 'string' || o.type === '') throw new FlowsError(`node ${o.id} has no type`);
  });
  return arr as NRNode[];
}

/** fromFlows builds a Model from a flows array. */
export function fromFlows(flows: readonly NRNode[]): Model {
  const nodes: Record<string, NRNode> = {};
  const order: string[] = [];
  for (const n of flows) {
    if (nodes[n.id]) throw new FlowsError(`duplicate id ${n.id}`);
    nodes[n.id] = n;
    order.push(n.id);
  }
  return { order, nodes };
}

/** toFlows returns the flows array of m, objects in their original order. */
export function toFlows(m: Model): NRNode[] {
  return m.order.map((id) => m.nodes[id]);
}

export function tabs(m: Model): NRNode[] {
  return toFlows(m).filter((n) => n.type === 'tab');
}

/** isCanvasNode says whether n is drawn on a tab: not a tab, subflow,
 * group or config node. */
export function isCanvasNode(n: NRNode, specs: Specs): boolean {
  if (n.type === 'tab' || n.type === 'subflow' || n.type === 'group') return false;
  const s = specs[n.type];
  if (s) return !s.config;
  return typeof n.x === 'number' || Array.isArray(n.wires);
}

/** isConfigNode says whether n is a configuration node. */
export function isConfigNode(n: NRNode, specs: Specs): boolean {
  if (n.type === 'tab' || n.type === 'subflow' || n.type === 'group') return false;
  const s = specs[n.type];
  if (s) return !!s.config;
  return typeof n.x !== 'number' && !Array.isArray(n.wires);
}

/** nodesOn returns the canvas nodes of tab z, in flows order. */
export function nodesOn(m: Model, z: string, specs: Specs): NRNode[] {
  return toFlows(m).filter((n) => n.z === z && isCanvasNode(n, specs));
}

/** addNodes appends nodes (new ids) to m. */
export function addNodes(m: Model, add: readonly NRNode[]): Model {
  if (add.length === 0) return m;
  const nodes = { ...m.nodes };
  const order = [...m.order];
  for (const n of add) {
    if (nodes[n.id]) throw new FlowsError(`duplicate id ${n.id}`);
    nodes[n.id] = n;
    order.push(n.id);
  }
  return { order, nodes };
}

/** replaceNode puts n in place of the node with its id, keeping its position
 * in the flows order. */
export function replaceNode(m: Model, n: NRNode): Model {
  if (!m.nodes[n.id]) throw new FlowsError(`no node ${n.id}`);
  if (m.nodes[n.id] === n) return m;
  return { order: m.order, nodes: { ...m.nodes, [n.id]: n } };
}

/** updateNode merges patch into the node with id. */
export function updateNode(m: Model, id: string, patch: Partial<NRNode>): Model {
  const n = m.nodes[id];
  if (!n) return m;
  return replaceNode(m, { ...n, ...patch, id, type: n.type });
}

/** moveNodes sets the x,y of nodes; an unchanged position keeps the object. */
export function moveNodes(m: Model, pos: Readonly<Record<string, { x: number; y: number }>>): Model {
  let nodes: Record<string, NRNode> | null = null;
  for (const [id, p] of Object.entries(pos)) {
    const n = m.nodes[id];
    if (!n || (n.x === p.x && n.y === p.y)) continue;
    nodes ??= { ...m.nodes };
    nodes[id] = { ...n, x: p.x, y: p.y };
  }
  return nodes ? { order: m.order, nodes } : m;
}

/** removeNodes deletes nodes, the nodes of deleted tabs, the wires that led
 * to them and their membership of groups and link lists. */
export function removeNodes(m: Model, ids: Iterable<string>): Model {
  const gone = new Set<string>();
  for (const id of ids) if (m.nodes[id]) gone.add(id);
  if (gone.size === 0) return m;
  for (const n of Object.values(m.nodes)) if (n.z && gone.has(n.z)) gone.add(n.id);
  const nodes: Record<string, NRNode> = {};
  const order: string[] = [];
  for (const id of m.order) {
    if (gone.has(id)) continue;
    order.push(id);
    nodes[id] = dropRefs(m.nodes[id], gone);
  }
  return { order, nodes };
}

/** dropRefs removes references to gone ids from wires, links and group members. */
function dropRefs(n: NRNode, gone: ReadonlySet<string>): NRNode {
  let out = n;
  if (Array.isArray(n.wires) && n.wires.some((p) => p.some((t) => gone.has(t)))) {
    out = { ...out, wires: n.wires.map((p) => p.filter((t) => !gone.has(t))) };
  }
  for (const key of ['links', 'nodes', 'scope'] as const) {
    const v = n[key];
    if (Array.isArray(v) && v.some((t) => typeof t === 'string' && gone.has(t))) {
      out = { ...out, [key]: v.filter((t) => !gone.has(t as string)) };
    }
  }
  return out;
}

/** labelOf is the canvas text of n: Node-RED's label for the core types
 * (model/labels.ts), else the spec's label property, name or palette label. */
export function labelOf(n: NRNode, specs: Specs): string {
  if (n.type === 'tab') return String(n.label ?? n.id);
  if (n.type === 'junction') return '';
  const known = nodeLabel(n);
  if (known !== undefined) return known;
  const s = specs[n.type];
  const prop = s?.labelProp || 'name';
  const v = n[prop];
  if (typeof v === 'string' && v !== '') return v;
  if (n.name) return String(n.name);
  return s?.paletteLabel || n.type;
}

/** newNode returns a node of spec type with the spec's defaults. */
export function newNode(spec: import('./types').Spec, id: string, z: string, x: number, y: number): NRNode {
  const n: NRNode = { id, type: spec.type };
  if (!spec.config) n.z = z;
  for (const p of spec.props) n[p.name] = structuredClone(p.default ?? '');
  if (!spec.config) {
    n.x = x;
    n.y = y;
    n.wires = [];
  }
  return n;
}

/** configUsers maps each config node of m to the ids of the nodes whose
 * config properties (spec kind "config") name it, in flows order. */
export function configUsers(m: Model, specs: Specs): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const n of toFlows(m)) if (isConfigNode(n, specs)) users.set(n.id, []);
  for (const n of toFlows(m)) {
    for (const p of specs[n.type]?.props ?? []) {
      const v = n[p.name];
      if (p.kind === 'config' && typeof v === 'string' && users.has(v)) users.get(v)!.push(n.id);
    }
  }
  return users;
}

/** userInjectProps is the message properties an inject node's form holds,
 * as Node-RED's "inject now" sends them (__user_inject_props__): payload
 * and topic take their values from the node's own fields. */
export function userInjectProps(n: Record<string, unknown>): { p: string; v?: unknown; vt?: unknown }[] {
  const props = Array.isArray(n.props) ? (n.props as Record<string, unknown>[]) : [];
  return props.map((r) => {
    const p = String(r.p ?? '');
    if (p === 'payload') return { p, v: n.payload, vt: n.payloadType };
    if (p === 'topic') return { p, v: n.topic, vt: 'str' };
    return { p, v: r.v, vt: r.vt };
  });
}
