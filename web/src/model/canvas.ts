// Node-RED flow JSON ⇄ canvas (@xyflow/react) nodes and edges. Node-RED
// places a node by its centre; the canvas by its top-left corner, so the
// size of a node (from its label and ports, as Node-RED sizes it) is part
// of the conversion.

import type { Model } from './flows';
import { labelOf, nodesOn } from './flows';
import { outputLabels } from './labels';
import { inputCount, outputCount } from './wiring';
import type { NRNode, Specs } from './types';

export interface NodeView {
  label: string;
  type: string;
  color: string;
  icon?: string;
  inputs: number;
  outputs: number;
  button?: string;
  align?: string;
  /** disabled (d: true) */
  disabled: boolean;
  /** no spec for the type */
  unknown: boolean;
  /** debug's active flag */
  active?: boolean;
  /** link nodes: which side carries the virtual wires */
  link?: 'in' | 'out';
  /** the words shown on hovering each output port (model/labels.ts) */
  outputLabels?: string[];
  /** the word shown on hovering the input port */
  inputLabel?: string;
  [key: string]: unknown;
}

/** GroupView is what a group box shows. */
export interface GroupView {
  name: string;
  stroke: string;
  fill: string;
  fillOpacity: number;
  color: string;
  label: boolean;
  [key: string]: unknown;
}

export interface CanvasNode {
  id: string;
  type: 'nr' | 'junction';
  position: { x: number; y: number };
  width: number;
  height: number;
  data: NodeView;
  selected?: boolean;
}

export interface CanvasGroup {
  id: string;
  type: 'nrgroup';
  position: { x: number; y: number };
  width: number;
  height: number;
  data: GroupView;
  zIndex: number;
  draggable: false;
  selectable: false;
  connectable: false;
  focusable: false;
  selected?: boolean;
}

export interface CanvasEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
  /** a link node's virtual wire: drawn dashed, never selected */
  link?: true;
  className?: string;
  selectable?: boolean;
  focusable?: boolean;
}

export const gridSize = 20;
const charWidth = 7;
export const junctionSize = 10;

/** nodeSize is a node's width and height as Node-RED computes them: at
 * least 100 wide, the label plus room for the icon, rounded up to the grid;
 * 30 high, or 15 per output port. */
export function nodeSize(label: string, outputs: number): { width: number; height: number } {
  const width = Math.max(100, gridSize * Math.ceil((label.length * charWidth + 50) / gridSize));
  const height = Math.max(30, outputs * 15);
  return { width, height };
}

/** iconName is the key of a spec's icon: "font-awesome/fa-cog" → "cog",
 * "parser-json.svg" → "parser-json". */
export function iconName(icon: string | undefined): string {
  if (!icon) return '';
  return icon.replace(/^.*\//, '').replace(/^fa-/, '').replace(/\.(svg|png)$/, '');
}

export function viewOf(n: NRNode, specs: Specs): NodeView {
  const s = specs[n.type];
  const v: NodeView = {
    label: labelOf(n, specs),
    type: n.type,
    color: s?.color ?? '#fff',
    icon: s?.icon,
    inputs: inputCount(n, s),
    outputs: outputCount(n, s),
    button: s?.button || undefined,
    align: s?.align || undefined,
    disabled: n.d === true,
    unknown: !s,
    active: s?.button === 'toggle' ? n.active !== false : undefined,
  };
  const outs = outputLabels(n);
  if (outs) v.outputLabels = outs;
  if (Array.isArray(n.inputLabels) && typeof n.inputLabels[0] === 'string' && n.inputLabels[0]) v.inputLabel = n.inputLabels[0];
  if (n.type === 'link in') v.link = 'in';
  else if (n.type === 'link out' || n.type === 'link call') v.link = 'out';
  return v;
}

export const edgeId = (src: string, port: number, dst: string) => `${src}:${port}>${dst}`;
export const linkEdgeId = (src: string, dst: string) => `${src}~>${dst}`;

/** linkTargets are the link in nodes a link out or link call node sends to
 * (its links; a link out in "return" mode has none). */
function linkTargets(n: NRNode): string[] {
  if (n.type !== 'link out' && n.type !== 'link call') return [];
  if (n.type === 'link out' && n.mode === 'return') return [];
  return Array.isArray(n.links) ? n.links.filter((l): l is string => typeof l === 'string') : [];
}

export interface Canvas {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  groups: CanvasGroup[];
}

/** CanvasCache keeps the canvas objects of unchanged flow objects, so that
 * a change redraws only what it changed. */
export interface CanvasCache {
  nodes: WeakMap<NRNode, { specs: Specs; node: CanvasNode }>;
  edges: Map<string, CanvasEdge>;
}

export const newCanvasCache = (): CanvasCache => ({ nodes: new WeakMap(), edges: new Map() });

function canvasNode(n: NRNode, specs: Specs, cache?: CanvasCache): CanvasNode {
  const hit = cache?.nodes.get(n);
  if (hit && hit.specs === specs) return hit.node;
  const data = viewOf(n, specs);
  const junction = n.type === 'junction';
  const { width, height } = junction ? { width: junctionSize, height: junctionSize } : nodeSize(data.label, data.outputs);
  const x = typeof n.x === 'number' ? n.x : 0;
  const y = typeof n.y === 'number' ? n.y : 0;
  const node: CanvasNode = { id: n.id, type: junction ? 'junction' : 'nr', position: { x: x - width / 2, y: y - height / 2 }, width, height, data };
  cache?.nodes.set(n, { specs, node });
  return node;
}

function edge(cache: CanvasCache | undefined, e: CanvasEdge): CanvasEdge {
  const hit = cache?.edges.get(e.id);
  if (hit) return hit;
  cache?.edges.set(e.id, e);
  return e;
}

/** groupPadding is the room between a group's box and its members. */
const groupPadding = 10;

/** groupBox is where group g is drawn: its stored box (Node-RED writes
 * x, y, w, h), grown to hold its members where they are now. */
function groupBox(g: NRNode, members: CanvasNode[]): { x: number; y: number; w: number; h: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  if (typeof g.x === 'number' && typeof g.y === 'number' && typeof g.w === 'number' && typeof g.h === 'number') {
    [x0, y0, x1, y1] = [g.x, g.y, g.x + g.w, g.y + g.h];
  }
  for (const c of members) {
    x0 = Math.min(x0, c.position.x - groupPadding);
    y0 = Math.min(y0, c.position.y - groupPadding);
    x1 = Math.max(x1, c.position.x + c.width + groupPadding);
    y1 = Math.max(y1, c.position.y + c.height + groupPadding);
  }
  if (!Number.isFinite(x0)) return { x: 0, y: 0, w: 0, h: 0 };
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** groupView reads a group's style as Node-RED writes it. */
export function groupView(g: NRNode): GroupView {
  const st = (g.style && typeof g.style === 'object' ? g.style : {}) as Record<string, unknown>;
  const s = (k: string, d: string) => (typeof st[k] === 'string' && st[k] !== '' ? (st[k] as string) : d);
  const op = Number(st['fill-opacity'] ?? 1);
  return {
    name: typeof g.name === 'string' ? g.name : '',
    stroke: s('stroke', '#999999'),
    fill: s('fill', 'none'),
    fillOpacity: Number.isFinite(op) ? op : 1,
    color: s('color', '#a4a4a4'),
    label: st.label !== false,
  };
}

/** toCanvas converts the nodes, wires and groups of tab z. Wires to nodes
 * that are not on the tab are kept in the model but not drawn. Link nodes'
 * virtual wires between nodes of the tab are edges marked link. With a
 * cache, unchanged objects come back identical. */
export function toCanvas(m: Model, z: string, specs: Specs, cache?: CanvasCache): Canvas {
  const on = nodesOn(m, z, specs);
  const here = new Set(on.map((n) => n.id));
  const nodes: CanvasNode[] = [];
  const edges: CanvasEdge[] = [];
  const byId = new Map<string, CanvasNode>();
  for (const n of on) {
    const c = canvasNode(n, specs, cache);
    nodes.push(c);
    byId.set(n.id, c);
    (n.wires ?? []).forEach((p, port) => {
      for (const t of p) {
        if (here.has(t)) {
          edges.push(edge(cache, { id: edgeId(n.id, port, t), source: n.id, sourceHandle: `o${port}`, target: t, targetHandle: 'i' }));
        }
      }
    });
    for (const t of linkTargets(n)) {
      if (here.has(t) && m.nodes[t]?.type === 'link in') {
        edges.push(edge(cache, { id: linkEdgeId(n.id, t), source: n.id, sourceHandle: 'v', target: t, targetHandle: 'v', link: true, className: 'fg-link-wire', selectable: false, focusable: false }));
      }
    }
  }
  const groups: CanvasGroup[] = [];
  for (const id of m.order) {
    const g = m.nodes[id];
    if (g.type !== 'group' || g.z !== z) continue;
    const members = (Array.isArray(g.nodes) ? g.nodes : []).map((i) => byId.get(String(i))).filter((c): c is CanvasNode => !!c);
    const b = groupBox(g, members);
    groups.push({
      id,
      type: 'nrgroup',
      position: { x: b.x, y: b.y },
      width: b.w,
      height: b.h,
      data: groupView(g),
      zIndex: -1,
      draggable: false,
      selectable: false,
      connectable: false,
      focusable: false,
    });
  }
  return { nodes, edges, groups };
}

/** withState merges derived canvas objects with the ones the canvas holds
 * (prev): an object whose derived source did not change since the last
 * merge (lastBase) is kept as the canvas has it (its measured size, its
 * drag position); a changed one is taken from derived. selected says which
 * ids are selected; nothing unchanged gets a new object. */
export function withState<T extends { id: string; selected?: boolean; measured?: unknown }>(
  prev: readonly T[],
  derived: readonly T[],
  lastBase: Map<string, T>,
  selected: (id: string) => boolean,
): { items: T[]; base: Map<string, T> } {
  const old = new Map(prev.map((p) => [p.id, p]));
  const base = new Map<string, T>();
  let same = prev.length === derived.length;
  const items = derived.map((d, i) => {
    base.set(d.id, d);
    const p = old.get(d.id);
    const sel = selected(d.id);
    let out: T;
    if (p && lastBase.get(d.id) === d) out = !!p.selected === sel ? p : { ...p, selected: sel };
    else out = { ...d, selected: sel, ...(p?.measured ? { measured: p.measured } : {}) };
    if (out !== prev[i]) same = false;
    return out;
  });
  return { items: same ? (prev as T[]) : items, base };
}

/** centreOf is the Node-RED x,y of a canvas node at position. */
export function centreOf(c: Pick<CanvasNode, 'position' | 'width' | 'height'>): { x: number; y: number } {
  return { x: c.position.x + c.width / 2, y: c.position.y + c.height / 2 };
}

/** wiresFromEdges rebuilds the wires of node id from canvas edges, with
 * outputs ports. */
export function wiresFromEdges(id: string, outputs: number, edges: readonly CanvasEdge[]): string[][] {
  const wires: string[][] = Array.from({ length: outputs }, () => []);
  for (const e of edges) {
    if (e.source !== id || e.link) continue;
    const port = Number(e.sourceHandle.slice(1));
    if (port >= 0 && port < outputs) wires[port].push(e.target);
  }
  return wires;
}

/** fromCanvas writes the positions and wires of canvas nodes back into m
 * (the canvas → flow JSON direction); every other property is kept. */
export function fromCanvas(m: Model, nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): Model {
  const next = { ...m.nodes };
  let changed = false;
  for (const c of nodes) {
    const n = m.nodes[c.id];
    if (!n) continue;
    const { x, y } = centreOf(c);
    const wires = wiresFromEdges(c.id, c.data.outputs, edges);
    // Wires to nodes not on the canvas were not drawn: keep them.
    (n.wires ?? []).forEach((p, i) => {
      if (i < wires.length) for (const t of p) if (!nodes.some((o) => o.id === t)) wires[i].push(t);
    });
    const same = n.x === x && n.y === y && JSON.stringify(n.wires ?? []) === JSON.stringify(wires);
    if (same) continue;
    next[c.id] = { ...n, x, y, wires };
    changed = true;
  }
  return changed ? { order: m.order, nodes: next } : m;
}
