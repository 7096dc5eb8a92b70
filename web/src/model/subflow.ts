// Subflows as Node-RED stores them: a "subflow" definition (its template's
// nodes have z = the definition's id; its ports are the definition's `in`,
// `out` and `status` entries) and "subflow:<id>" instances. Pure functions:
// the specs of instances, the port nodes of a template's canvas, wiring
// and moving them, output count and env changes, and Node-RED's
// "Selection to Subflow".

import type { Model } from './flows';
import { addNodes, replaceNode, toFlows, updateNode } from './flows';
import type { NRNode, Spec, Specs } from './types';

export const subflowPrefix = 'subflow:';
export const subflowColor = '#DDAA99';
/** Node-RED's type list of an env entry without UI hints
 * (RED.editor.envVarList.DEFAULT_ENV_TYPE_LIST). */
export const envTypes = ['str', 'num', 'bool', 'json', 'bin', 'env'];

/** PortWire is a wire of a subflow port: from the input port to node id,
 * or from port `port` of node id to an output/status port. */
export interface PortWire {
  id: string;
  port?: number;
}

export interface Port {
  x: number;
  y: number;
  wires: PortWire[];
  [key: string]: unknown;
}

/** EnvEntry is one `env` property of a subflow definition or instance. */
export interface EnvEntry {
  name: string;
  type: string;
  value: string;
  ui?: EnvUI;
  [key: string]: unknown;
}

export interface EnvUI {
  icon?: string;
  label?: Record<string, string>;
  type?: 'input' | 'select' | 'checkbox' | 'spinner' | 'none' | 'hide' | 'cred' | 'conf-types';
  opts?: { types?: string[]; opts?: { l: Record<string, string>; v: string }[]; min?: number; max?: number };
  [key: string]: unknown;
}

export const isInstance = (n: NRNode | undefined): boolean => !!n && n.type.startsWith(subflowPrefix);
export const definitionOf = (m: Model, n: NRNode | undefined): NRNode | undefined =>
  n && isInstance(n) ? m.nodes[n.type.slice(subflowPrefix.length)] : undefined;

export const subflows = (m: Model): NRNode[] => toFlows(m).filter((n) => n.type === 'subflow');

const ports = (def: NRNode, key: 'in' | 'out'): Port[] => (Array.isArray(def[key]) ? (def[key] as Port[]) : []);
const statusPort = (def: NRNode): Port | undefined =>
  def.status && typeof def.status === 'object' ? (def.status as Port) : undefined;

/** subflowSpec is the spec of the instances of def: ports from its `in`
 * and `out`, its name as label, in its category ("subflows" by default). */
export function subflowSpec(def: NRNode): Spec {
  return {
    type: subflowPrefix + def.id,
    category: typeof def.category === 'string' && def.category !== '' ? def.category : 'subflows',
    color: typeof def.color === 'string' && def.color !== '' ? def.color : subflowColor,
    icon: typeof def.icon === 'string' && def.icon !== '' ? def.icon : 'node-red/subflow.svg',
    paletteLabel: typeof def.name === 'string' && def.name !== '' ? def.name : def.id,
    inputs: ports(def, 'in').length > 0 ? 1 : 0,
    outputs: ports(def, 'out').length,
    props: [{ name: 'name', kind: 'string', default: '' }],
    help: typeof def.info === 'string' ? def.info : '',
  };
}

/** withSubflowSpecs adds the spec of every subflow definition of m to
 * specs; specs itself is returned when m has no subflows. */
export function withSubflowSpecs(specs: Specs, m: Model): Specs {
  const defs = subflows(m);
  if (defs.length === 0) return specs;
  const out: Specs = { ...specs };
  for (const d of defs) out[subflowPrefix + d.id] = subflowSpec(d);
  return out;
}

/** subflowNames says "Subflow N" as Node-RED names a new one. */
export function nextSubflowName(m: Model): string {
  let last = 0;
  for (const d of subflows(m)) {
    const r = /^Subflow (\d+)$/.exec(String(d.name ?? ''));
    if (r) last = Math.max(last, Number(r[1]));
  }
  return `Subflow ${last + 1}`;
}

/** newSubflow returns an empty definition with one input and one output,
 * as Node-RED's "Create Subflow". */
export function newSubflow(m: Model, id: string): NRNode {
  return {
    id,
    type: 'subflow',
    name: nextSubflowName(m),
    info: '',
    category: '',
    in: [{ x: 50, y: 30, wires: [] }],
    out: [{ x: 340, y: 30, wires: [] }],
    env: [],
    meta: {},
    color: subflowColor,
  };
}

// ---- the port nodes of a template's canvas ----

export type PortKind = 'in' | 'out' | 'status';

/** portId is the canvas id of a port of def: "<def>/in/0", "<def>/out/1",
 * "<def>/status". */
export const portId = (def: string, kind: PortKind, i = 0) => (kind === 'status' ? `${def}/status` : `${def}/${kind}/${i}`);

export function parsePortId(id: string): { def: string; kind: PortKind; i: number } | null {
  const r = /^(.+)\/(in|out|status)(?:\/(\d+))?$/.exec(id);
  if (!r) return null;
  return { def: r[1], kind: r[2] as PortKind, i: r[3] ? Number(r[3]) : 0 };
}

export interface PortView {
  kind: PortKind;
  /** 1-based number shown on an output port */
  label: string;
  [key: string]: unknown;
}

export interface PortNode {
  id: string;
  type: 'nrport';
  position: { x: number; y: number };
  width: number;
  height: number;
  data: PortView;
  selected?: boolean;
}

export interface PortEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
  link?: true;
}

export const portSize = 40;

/** portCanvas is what a template's canvas draws besides its nodes: a node
 * per port of def (placed by its centre, as Node-RED) and their wires. */
export function portCanvas(m: Model, defId: string): { nodes: PortNode[]; edges: PortEdge[] } {
  const def = m.nodes[defId];
  if (!def || def.type !== 'subflow') return { nodes: [], edges: [] };
  const nodes: PortNode[] = [];
  const edges: PortEdge[] = [];
  const add = (kind: PortKind, i: number, p: Port) => {
    const id = portId(defId, kind, i);
    nodes.push({
      id,
      type: 'nrport',
      position: { x: Number(p.x ?? 0) - portSize / 2, y: Number(p.y ?? 0) - portSize / 2 },
      width: portSize,
      height: portSize,
      data: { kind, label: kind === 'in' ? 'input' : kind === 'status' ? 'status' : String(i + 1) },
    });
    for (const w of Array.isArray(p.wires) ? p.wires : []) {
      if (!m.nodes[w.id]) continue;
      if (kind === 'in') edges.push({ id: `${id}>${w.id}`, source: id, sourceHandle: 'o0', target: w.id, targetHandle: 'i' });
      else {
        const port = Number(w.port ?? 0);
        edges.push({ id: `${w.id}:${port}>${id}`, source: w.id, sourceHandle: `o${port}`, target: id, targetHandle: 'i' });
      }
    }
  };
  ports(def, 'in').forEach((p, i) => add('in', i, p));
  ports(def, 'out').forEach((p, i) => add('out', i, p));
  const st = statusPort(def);
  if (st) add('status', 0, st);
  return { nodes, edges };
}

function withPort(m: Model, defId: string, kind: PortKind, i: number, f: (p: Port) => Port): Model {
  const def = m.nodes[defId];
  if (!def || def.type !== 'subflow') return m;
  if (kind === 'status') {
    const st = statusPort(def);
    return st ? replaceNode(m, { ...def, status: f(st) }) : m;
  }
  const list = ports(def, kind);
  if (!list[i]) return m;
  return replaceNode(m, { ...def, [kind]: list.map((p, j) => (j === i ? f(p) : p)) });
}

/** movePort sets the centre of a port. */
export function movePort(m: Model, id: string, x: number, y: number): Model {
  const p = parsePortId(id);
  if (!p) return m;
  return withPort(m, p.def, p.kind, p.i, (q) => (q.x === x && q.y === y ? q : { ...q, x, y }));
}

/** connectPort adds a wire touching a port: from the input port (src) to
 * node dst, or from port `port` of node src to an output/status port
 * (dst). It returns m when neither end is a port of a definition whose
 * template holds the node. */
export function connectPort(m: Model, src: string, port: number, dst: string): Model {
  const a = parsePortId(src);
  if (a && a.kind === 'in') {
    if (m.nodes[dst]?.z !== a.def) return m;
    return withPort(m, a.def, 'in', a.i, (p) => (p.wires.some((w) => w.id === dst) ? p : { ...p, wires: [...p.wires, { id: dst }] }));
  }
  const b = parsePortId(dst);
  if (b && b.kind !== 'in') {
    if (m.nodes[src]?.z !== b.def) return m;
    return withPort(m, b.def, b.kind, b.i, (p) =>
      p.wires.some((w) => w.id === src && Number(w.port ?? 0) === port) ? p : { ...p, wires: [...p.wires, { id: src, port }] },
    );
  }
  return m;
}

/** disconnectPort removes such a wire. */
export function disconnectPort(m: Model, src: string, port: number, dst: string): Model {
  const a = parsePortId(src);
  if (a && a.kind === 'in') return withPort(m, a.def, 'in', a.i, (p) => ({ ...p, wires: p.wires.filter((w) => w.id !== dst) }));
  const b = parsePortId(dst);
  if (b && b.kind !== 'in') {
    return withPort(m, b.def, b.kind, b.i, (p) => ({ ...p, wires: p.wires.filter((w) => !(w.id === src && Number(w.port ?? 0) === port)) }));
  }
  return m;
}

/** fitInstances gives every instance of def one wires entry per output
 * port of def (wires of removed ports dropped). */
function fitInstances(m: Model, defId: string, outputs: number): Model {
  let out = m;
  for (const n of toFlows(m)) {
    if (n.type !== subflowPrefix + defId) continue;
    const w = Array.isArray(n.wires) ? n.wires : [];
    if (w.length === outputs) continue;
    out = replaceNode(out, { ...n, wires: Array.from({ length: outputs }, (_, i) => w[i] ?? []) });
  }
  return out;
}

/** setInputs gives def no input or one (Node-RED allows 0 or 1); removing
 * the input removes the wires to its instances. */
export function setInputs(m: Model, defId: string, count: 0 | 1): Model {
  const def = m.nodes[defId];
  if (!def || def.type !== 'subflow') return m;
  const cur = ports(def, 'in');
  if (cur.length === count) return m;
  let out = replaceNode(m, { ...def, in: count === 0 ? [] : [{ x: 50, y: 30, wires: [] }] });
  if (count === 0) {
    const inst = new Set(toFlows(m).filter((n) => n.type === subflowPrefix + defId).map((n) => n.id));
    for (const n of toFlows(out)) {
      if (Array.isArray(n.wires) && n.wires.some((p) => p.some((t) => inst.has(t)))) {
        out = replaceNode(out, { ...n, wires: n.wires.map((p) => p.filter((t) => !inst.has(t))) });
      }
    }
  }
  return out;
}

/** setOutputs sets the number of output ports of def: new ports are
 * placed below the last one; removed ports take their wires with them, on
 * the template and on every instance. */
export function setOutputs(m: Model, defId: string, count: number): Model {
  const def = m.nodes[defId];
  if (!def || def.type !== 'subflow' || count < 0) return m;
  const cur = ports(def, 'out');
  if (cur.length === count) return m;
  const next = cur.slice(0, count);
  const st = statusPort(def);
  while (next.length < count) {
    // below the lowest output (or status) port, as Node-RED adds them
    const below = [...next, ...(st ? [st] : [])];
    const x = next.length ? next[next.length - 1].x : 340;
    next.push({ x, y: below.length ? Math.max(...below.map((p) => p.y)) + 40 : 30, wires: [] });
  }
  return fitInstances(replaceNode(m, { ...def, out: next }), defId, count);
}

/** setStatus adds or removes the status output port. */
export function setStatus(m: Model, defId: string, on: boolean): Model {
  const def = m.nodes[defId];
  if (!def || def.type !== 'subflow' || !!statusPort(def) === on) return m;
  if (on) {
    const outs = ports(def, 'out');
    const x = outs.length ? Math.max(...outs.map((p) => p.x)) : 340;
    const y = outs.length ? Math.max(...outs.map((p) => p.y)) + 40 : 70;
    return replaceNode(m, { ...def, status: { x, y, wires: [] } });
  }
  const rest = { ...def };
  delete rest.status;
  return replaceNode(m, rest);
}

/** removeSubflow deletes a definition, its template and its instances (and
 * the wires to them). */
export function removeSubflowIds(m: Model, defId: string): string[] {
  return [defId, ...toFlows(m).filter((n) => n.type === subflowPrefix + defId).map((n) => n.id)];
}

// ---- env: the definition's properties and the instance's form ----

export const envList = (n: NRNode | undefined): EnvEntry[] => (n && Array.isArray(n.env) ? (n.env as EnvEntry[]) : []);

/** uiOf is the UI hint of a definition's env entry, with Node-RED's
 * default: a typed input of the default types (a password for cred). */
export function uiOf(e: EnvEntry): EnvUI {
  const ui = e.ui ?? {};
  if (!ui.type) return e.type === 'cred' ? { ...ui, type: 'cred' } : { ...ui, type: 'input', opts: { types: envTypes } };
  return { ...ui, opts: ui.opts ?? {} };
}

/** envLabel is the label an env entry shows (its en-US label, else its name). */
export function envLabel(e: EnvEntry): string {
  const l = e.ui?.label;
  return (l && (l['en-US'] || Object.values(l)[0])) || e.name;
}

export interface EnvField {
  name: string;
  label: string;
  ui: EnvUI;
  /** the instance's value, else the definition's */
  type: string;
  value: string;
  /** the definition's default */
  def: EnvEntry;
}

/** envFields is the instance form of inst: one field per env entry of its
 * definition that is not hidden, the instance's override where it has one. */
export function envFields(def: NRNode, inst: Readonly<Record<string, unknown>>): EnvField[] {
  const own = new Map(envList(inst as unknown as NRNode).map((e) => [e.name, e]));
  return envList(def)
    .filter((e) => uiOf(e).type !== 'hide')
    .map((e) => {
      const o = own.get(e.name);
      return { name: e.name, label: envLabel(e), ui: uiOf(e), type: o?.type ?? e.type, value: o?.value ?? e.value, def: e };
    });
}

/** instanceEnv is the `env` an instance stores for the values of its form
 * (Node-RED's exportSubflowInstanceEnv): only the entries whose type or
 * value differ from the definition's (credentials always), then the
 * instance's own entries the definition does not have, unchanged. */
export function instanceEnv(def: NRNode, prev: readonly EnvEntry[], values: Readonly<Record<string, { type: string; value: string }>>): EnvEntry[] {
  const out: EnvEntry[] = [];
  const names = new Set<string>();
  for (const e of envList(def)) {
    names.add(e.name);
    const ui = uiOf(e);
    const v = values[e.name] ?? prev.find((p) => p.name === e.name) ?? { type: e.type, value: e.value };
    let item: EnvEntry;
    switch (ui.type) {
      case 'hide':
      case 'none': {
        const p = prev.find((q) => q.name === e.name);
        if (p) out.push(p);
        continue;
      }
      case 'spinner':
        item = { name: e.name, value: String(v.value), type: 'num' };
        break;
      case 'select':
        item = { name: e.name, value: String(v.value), type: 'str' };
        break;
      case 'checkbox':
        item = { name: e.name, value: String(v.value === 'true'), type: 'bool' };
        break;
      case 'cred':
        item = { name: e.name, value: String(v.value), type: 'cred' };
        break;
      case 'conf-types':
        item = { name: e.name, value: String(v.value), type: 'conf-type' };
        break;
      default:
        item = ui.opts?.types?.length ? { name: e.name, value: String(v.value), type: v.type } : { name: e.name, value: String(v.value), type: 'str' };
    }
    if (ui.type === 'cred' || item.type !== e.type || item.value !== e.value) out.push(item);
  }
  for (const p of prev) if (!names.has(p.name)) out.push(p);
  return out;
}

/** checkedOf is Node-RED's reading of a checkbox env value. */
export function checkedOf(type: string, value: string): boolean {
  if (type === 'bool') return value === 'true';
  if (type === 'num') return value !== '0';
  return value !== '';
}

// ---- Selection to Subflow ----

/** SubflowError is a selection Node-RED refuses to turn into a subflow. */
export class SubflowError extends Error {}

export interface ConvertResult {
  model: Model;
  subflow: string;
  instance: string;
}

const snap = (v: number) => 20 * Math.round(v / 20);

/** convertToSubflow is Node-RED's "Selection to Subflow": the selected
 * nodes of tab z (group members included) move into a new definition,
 * offset to its canvas; wires entering the selection (all to one node, or
 * refused) become its input port, each node output wired out of it an
 * output port (ordered by the node's y); an instance at the selection's
 * centre takes their wires. size gives a node's width and height. */
export function convertToSubflow(
  m: Model,
  ids: readonly string[],
  specs: Specs,
  newId: () => string,
  size: (n: NRNode) => { width: number; height: number },
): ConvertResult {
  const sel = new Set<string>();
  const groups = new Set<string>();
  const queue = [...ids];
  while (queue.length) {
    const id = queue.shift()!;
    const n = m.nodes[id];
    if (!n || sel.has(id)) continue;
    if (n.type === 'group') {
      groups.add(id);
      for (const c of Array.isArray(n.nodes) ? n.nodes : []) queue.push(String(c));
    }
    sel.add(id);
  }
  const list = [...sel].map((id) => m.nodes[id]).filter((n) => n.type !== 'tab' && n.type !== 'subflow' && !specs[n.type]?.config);
  if (list.length === 0) throw new SubflowError('no nodes selected');
  const z = list[0].z;
  if (list.some((n) => n.z !== z)) throw new SubflowError('the selection is on more than one tab');
  const outerGroup = list.find((n) => typeof n.g === 'string' && !groups.has(n.g as string))?.g as string | undefined;
  if (list.some((n) => typeof n.g === 'string' && !groups.has(n.g) && n.g !== outerGroup)) {
    throw new SubflowError('cannot create subflow across multiple groups');
  }
  const inSel = new Set(list.map((n) => n.id));
  const boxes = list.filter((n) => n.type !== 'group');
  let box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of boxes) {
    const { width: w, height: h } = size(n);
    const x = Number(n.x ?? 0);
    const y = Number(n.y ?? 0);
    box = [Math.min(box[0], x - w / 2), Math.min(box[1], y - h / 2), Math.max(box[2], x + w / 2), Math.max(box[3], y + h / 2)];
  }
  if (!Number.isFinite(box[0])) box = [0, 0, 0, 0];
  const offX = snap(box[0] - 140);
  const offY = snap(box[1] - 60);
  const centre = { x: snap((box[0] + box[2]) / 2), y: snap((box[1] + box[3]) / 2) };

  // Wires crossing the boundary.
  const inbound: { src: string; port: number; dst: string }[] = [];
  const outputs = new Map<string, { src: string; port: number; targets: string[] }>();
  for (const n of toFlows(m)) {
    (Array.isArray(n.wires) ? n.wires : []).forEach((p, port) => {
      for (const t of p) {
        if (!m.nodes[t]) continue;
        if (inSel.has(n.id) && !inSel.has(t)) {
          const k = `${n.id}:${port}`;
          if (!outputs.has(k)) outputs.set(k, { src: n.id, port, targets: [] });
          outputs.get(k)!.targets.push(t);
        } else if (!inSel.has(n.id) && inSel.has(t)) inbound.push({ src: n.id, port, dst: t });
      }
    });
  }
  const inputNodes = [...new Set(inbound.map((l) => l.dst))];
  if (inputNodes.length > 1) throw new SubflowError('cannot create subflow: multiple inputs to selection');
  const outs = [...outputs.values()].sort((a, b) => Number(m.nodes[a.src].y ?? 0) - Number(m.nodes[b.src].y ?? 0));

  const sfId = newId();
  const def: NRNode = {
    id: sfId,
    type: 'subflow',
    name: nextSubflowName(m),
    info: '',
    category: '',
    in: inputNodes.map((id) => {
      const n = m.nodes[id];
      return { x: snap(Number(n.x ?? 0) - size(n).width / 2 - 80 - offX), y: snap(Number(n.y ?? 0) - offY), wires: [{ id }] };
    }),
    out: outs.map((o) => {
      const n = m.nodes[o.src];
      return { x: snap(Number(n.x ?? 0) + size(n).width / 2 + 80 - offX), y: snap(Number(n.y ?? 0) - offY), wires: [{ id: o.src, port: o.port }] };
    }),
    env: [],
    meta: {},
    color: subflowColor,
  };
  const instId = newId();
  const inst: NRNode = {
    id: instId,
    type: subflowPrefix + sfId,
    z,
    name: '',
    env: [],
    x: centre.x,
    y: centre.y,
    wires: outs.map((o) => [...o.targets]),
  };
  if (outerGroup) inst.g = outerGroup;

  // The new definition goes before the nodes that use it (Node-RED
  // exports subflows first); the instance after the tab's nodes.
  const moved: Record<string, NRNode> = {};
  for (const n of list) {
    let c: NRNode = { ...n, z: sfId };
    if (n.type !== 'group') c = { ...c, x: Number(n.x ?? 0) - offX, y: Number(n.y ?? 0) - offY };
    else if (typeof n.x === 'number' && typeof n.y === 'number') c = { ...c, x: n.x - offX, y: n.y - offY };
    if (Array.isArray(n.wires)) c.wires = n.wires.map((p) => p.filter((t) => inSel.has(t) || !m.nodes[t]));
    if (c.g === outerGroup && outerGroup) delete c.g;
    // Link nodes keep only the links inside the selection.
    if (/^link /.test(n.type) && Array.isArray(n.links)) c.links = (n.links as string[]).filter((l) => inSel.has(l));
    moved[n.id] = c;
  }
  const nodes: Record<string, NRNode> = { ...m.nodes, ...moved };
  for (const n of toFlows(m)) {
    if (inSel.has(n.id)) continue;
    let c = n;
    if (Array.isArray(n.wires) && n.wires.some((p) => p.some((t) => inSel.has(t)))) {
      c = { ...c, wires: n.wires.map((p) => [...new Set(p.map((t) => (inSel.has(t) ? instId : t)))]) };
    }
    if (/^link /.test(n.type) && Array.isArray(n.links) && n.links.some((l) => inSel.has(String(l)))) {
      c = { ...c, links: (n.links as string[]).filter((l) => !inSel.has(l)) };
    }
    if (n.id === outerGroup && Array.isArray(n.nodes)) c = { ...c, nodes: [...(n.nodes as string[]).filter((i) => !inSel.has(i)), instId] };
    nodes[n.id] = c;
  }
  let out: Model = { order: m.order, nodes };
  // Definition first in the flows order, as Node-RED exports.
  const first = m.order.findIndex((id) => m.nodes[id].type !== 'tab');
  const order = [...m.order];
  order.splice(first < 0 ? order.length : first, 0, sfId);
  out = { order, nodes: { ...out.nodes, [sfId]: def } };
  out = addNodes(out, [inst]);
  return { model: out, subflow: sfId, instance: instId };
}

/** setSubflowProps applies the definition's properties form. */
export function setSubflowProps(m: Model, defId: string, props: Partial<NRNode>): Model {
  const def = m.nodes[defId];
  if (!def || def.type !== 'subflow') return m;
  return updateNode(m, defId, props);
}
