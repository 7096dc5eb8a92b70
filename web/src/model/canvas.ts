// Node-RED flow JSON ⇄ canvas (@xyflow/react) nodes and edges. Node-RED
// places a node by its centre; the canvas by its top-left corner, so the
// size of a node (from its label and ports, as Node-RED sizes it) is part
// of the conversion.

import type { Model } from './flows';
import { labelOf, nodesOn } from './flows';
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
  [key: string]: unknown;
}

export interface CanvasNode {
  id: string;
  type: 'nr';
  position: { x: number; y: number };
  width: number;
  height: number;
  data: NodeView;
  selected?: boolean;
}

export interface CanvasEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

export const gridSize = 20;
const charWidth = 7;

/** nodeSize is a node's width and height as Node-RED computes them: at
 * least 100 wide, the label plus room for the icon, rounded up to the grid;
 * 30 high, or 15 per output port. */
export function nodeSize(label: string, outputs: number): { width: number; height: number } {
  const width = Math.max(100, gridSize * Math.ceil((label.length * charWidth + 50) / gridSize));
  const height = Math.max(30, outputs * 15);
  return { width, height };
}

export function viewOf(n: NRNode, specs: Specs): NodeView {
  const s = specs[n.type];
  return {
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
}

export const edgeId = (src: string, port: number, dst: string) => `${src}:${port}>${dst}`;

/** toCanvas converts the nodes and wires of tab z. Wires to nodes that are
 * not on the tab are kept in the model but not drawn. */
export function toCanvas(m: Model, z: string, specs: Specs): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const on = nodesOn(m, z, specs);
  const here = new Set(on.map((n) => n.id));
  const nodes: CanvasNode[] = [];
  const edges: CanvasEdge[] = [];
  for (const n of on) {
    const data = viewOf(n, specs);
    const { width, height } = nodeSize(data.label, data.outputs);
    const x = typeof n.x === 'number' ? n.x : 0;
    const y = typeof n.y === 'number' ? n.y : 0;
    nodes.push({ id: n.id, type: 'nr', position: { x: x - width / 2, y: y - height / 2 }, width, height, data });
    (n.wires ?? []).forEach((p, port) => {
      for (const t of p) {
        if (here.has(t)) {
          edges.push({ id: edgeId(n.id, port, t), source: n.id, sourceHandle: `o${port}`, target: t, targetHandle: 'i' });
        }
      }
    });
  }
  return { nodes, edges };
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
    if (e.source !== id) continue;
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
