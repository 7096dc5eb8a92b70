// The canvas of the current tab: @xyflow/react controlled by the store.

import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  centreOf,
  gridSize,
  newCanvasCache,
  toCanvas,
  withState,
  type CanvasEdge,
  type CanvasNode,
  type GroupView,
  type NodeView,
} from '../model/canvas';
import type { Model } from '../model/flows';
import { movePort, parsePortId, portCanvas } from '../model/subflow';
import { canConnect, inputCount } from '../model/wiring';
import { actions, addNodeAt, deleteSelected, moveNodesTo, select, unwire, useStore, wire, type WireAt } from '../store';
import { portUnwire, portWire } from '../subflows';

/** isPort says whether a canvas id is a subflow template's port node. */
const isPort = (id: string) => !!parsePortId(id) && !actions.get().history.present.nodes[id];

/** wireAt is the wire under a point of the screen, if any (link wires
 * are not wires to splice into). */
function wireAt(x: number, y: number): WireAt | null {
  for (const el of document.elementsFromPoint(x, y)) {
    const id = el.closest('.react-flow__edge')?.getAttribute('data-id');
    const m = id ? /^(.*):(\d+)>(.*)$/.exec(id) : null;
    if (m) return { src: m[1], port: Number(m[2]), dst: m[3] };
  }
  return null;
}

/** isTyping says whether a key event goes to a text field. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}
import { FlowNode, GroupNode, JunctionNode, PortNode } from './FlowNode';

// Stable for the life of the page: React Flow remounts every node when
// nodeTypes changes.
const nodeTypes = { nr: FlowNode, junction: JunctionNode, nrgroup: GroupNode, nrport: PortNode };
export const dragType = 'application/x-flowgate-type';

type AnyNode = Node<NodeView> | Node<GroupView>;

const edgeOptions = { type: 'default' };
const fitOptions = { maxZoom: 1 };
const pro = { hideAttribution: true };
const multiKeys = ['Shift', 'Meta', 'Control'];
const snap: [number, number] = [gridSize / 2, gridSize / 2];
const minimapColor = (n: Node) => (n.type === 'nrgroup' ? 'rgba(0,0,0,0.06)' : (n.data as NodeView).color);

export function Canvas() {
  const m = useStore((s) => s.history.present);
  const tab = useStore((s) => s.tab);
  const specs = useStore((s) => s.specs);
  const selected = useStore((s) => s.selected);
  const flow = useReactFlow();
  const cache = useRef(newCanvasCache());
  const derived = useMemo(() => {
    const c = toCanvas(m, tab, specs, cache.current);
    if (m.nodes[tab]?.type !== 'subflow') return c;
    // A subflow's template: its input, output and status ports too.
    const p = portCanvas(m, tab);
    return { ...c, nodes: [...c.nodes, ...p.nodes] as unknown as CanvasNode[], edges: [...c.edges, ...p.edges] };
  }, [m, tab, specs]);
  const [nodes, setNodes] = useState<AnyNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const [hover, setHover] = useState<string | null>(null);
  const nodeBase = useRef(new Map<string, AnyNode>());
  const edgeBase = useRef(new Map<string, Edge>());
  const edgesNow = useRef(edges);
  edgesNow.current = edges;

  // Only what changed gets a new object: React Flow and the memoised node
  // components then redraw just that.
  useEffect(() => {
    const sel = new Set(selected);
    setNodes((prev) => {
      const all = [...derived.groups, ...derived.nodes] as AnyNode[];
      const r = withState(prev, all, nodeBase.current, (id) => sel.has(id));
      nodeBase.current = r.base;
      return r.items;
    });
  }, [derived, selected]);

  // Link nodes' virtual wires are drawn while one of their ends is
  // selected or under the pointer.
  const shownEdges = useMemo(() => {
    const on = new Set(selected);
    if (hover) on.add(hover);
    return derived.edges.filter((e) => !e.link || on.has(e.source) || on.has(e.target)) as Edge[];
  }, [derived, selected, hover]);
  useEffect(() => {
    setEdges((prev) => {
      const sel = new Set(prev.filter((e) => e.selected).map((e) => e.id));
      const r = withState(prev, shownEdges, edgeBase.current, (id) => sel.has(id));
      edgeBase.current = r.base;
      return r.items;
    });
  }, [shownEdges]);

  useEffect(() => {
    actions.set({
      reveal: (id: string) => {
        const n = actions.get().history.present.nodes[id];
        if (!n) return;
        if (n.z && n.z !== actions.get().tab) actions.set({ tab: n.z });
        actions.set({ selected: [id] });
        setTimeout(() => flow.setCenter(Number(n.x ?? 0), Number(n.y ?? 0), { zoom: 1.2, duration: 300 }), 50);
      },
    });
  }, [flow]);

  const onNodesChange = useCallback((changes: NodeChange<AnyNode>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
    const sel = changes.filter((c) => c.type === 'select');
    if (sel.length > 0) {
      const cur = new Set(actions.get().selected);
      for (const c of sel) if (c.type === 'select') (c.selected ? cur.add(c.id) : cur.delete(c.id));
      select([...cur]);
    }
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onNodeMouseEnter = useCallback((_e: unknown, n: Node) => {
    if ((n.data as NodeView).link) setHover(n.id);
  }, []);
  const onNodeMouseLeave = useCallback((_e: unknown, n: Node) => {
    if ((n.data as NodeView).link) setHover((h) => (h === n.id ? null : h));
  }, []);
  const onNodeDoubleClick = useCallback((_e: unknown, n: Node) => {
    if (n.type !== 'nrgroup' && n.type !== 'nrport') actions.set({ editing: n.id });
  }, []);
  // Ctrl+click (Cmd+click) on the canvas opens Node-RED's quick-add box
  const onPaneClick = useCallback(
    (e: React.MouseEvent) => {
      if (e.ctrlKey || e.metaKey) {
        const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        actions.set({ quickAdd: { x: e.clientX, y: e.clientY, flowX: p.x, flowY: p.y, node: null } });
        return;
      }
      select([]);
    },
    [flow],
  );
  // Node-RED's context menu: on a node it acts on the selection, which
  // the node joins when it is not in it already.
  const openMenu = useCallback(
    (e: MouseEvent | React.MouseEvent, node: string | null) => {
      e.preventDefault();
      if (node && !actions.get().selected.includes(node)) select([node]);
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      actions.set({ menu: { x: e.clientX, y: e.clientY, flowX: p.x, flowY: p.y, node } });
    },
    [flow],
  );
  const onNodeContextMenu = useCallback(
    (e: React.MouseEvent, n: Node) => openMenu(e, n.type === 'nrgroup' || n.type === 'nrport' ? null : n.id),
    [openMenu],
  );
  const onPaneContextMenu = useCallback((e: MouseEvent | React.MouseEvent) => openMenu(e, null), [openMenu]);

  const onNodeDragStop = useCallback((_e: unknown, _n: Node, dragged: Node[]) => {
    const pos: Record<string, { x: number; y: number }> = {};
    const ports: [string, { x: number; y: number }][] = [];
    for (const d of dragged) {
      const c = d as unknown as CanvasNode;
      const at = centreOf({ position: d.position, width: c.width, height: c.height });
      if (d.type === 'nrport') ports.push([d.id, at]);
      else pos[d.id] = at;
    }
    const e = _e as MouseEvent;
    const into = dragged.length === 1 && dragged[0].type === 'nr' ? wireAt(e.clientX, e.clientY) : null;
    moveNodesTo(pos, into, ports.length ? (m: Model) => ports.reduce((acc, [id, p]) => movePort(acc, id, p.x, p.y), m) : undefined);
  }, []);

  const onConnect = useCallback((c: Connection) => {
    if (!c.sourceHandle) return;
    if (isPort(c.source) || isPort(c.target)) return portWire(c.source, Number(c.sourceHandle.slice(1)), c.target);
    wire(c.source, Number(c.sourceHandle.slice(1)), c.target);
  }, []);
  const isValidConnection = useCallback(
    (c: Connection | Edge) => {
      const port = Number((c.sourceHandle ?? 'o0').slice(1));
      const m = actions.get().history.present;
      const a = parsePortId(c.source);
      if (a && isPort(c.source)) return a.kind === 'in' && m.nodes[c.target]?.z === a.def && inputCount(m.nodes[c.target], specs[m.nodes[c.target].type]) > 0;
      const b = parsePortId(c.target);
      if (b && isPort(c.target)) return b.kind !== 'in' && m.nodes[c.source]?.z === b.def;
      return canConnect(actions.get().history.present, specs, c.source, port, c.target).ok;
    },
    [specs],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(dragType);
      if (!type) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      addNodeAt(type, Math.round(p.x / gridSize) * gridSize, Math.round(p.y / gridSize) * gridSize, wireAt(e.clientX, e.clientY));
    },
    [flow],
  );

  useEffect(() => {
    const deleteEdges = () => {
      let gone = edgesNow.current.filter((e) => e.selected && !(e as CanvasEdge).link);
      const toPorts = gone.filter((e) => isPort(e.source) || isPort(e.target));
      if (toPorts.length > 0) portUnwire(toPorts.map((e) => ({ src: e.source, port: Number(e.sourceHandle!.slice(1)), dst: e.target })));
      gone = gone.filter((e) => !toPorts.includes(e));
      if (gone.length > 0) unwire(gone.map((e) => ({ src: e.source, port: Number(e.sourceHandle!.slice(1)), dst: e.target })));
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Delete' && e.key !== 'Backspace') return;
      if (isTyping(e) || actions.get().editing) return;
      e.preventDefault();
      deleteEdges();
      deleteSelected();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="fg-canvas" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDoubleClick={onNodeDoubleClick}
        onNodeMouseEnter={onNodeMouseEnter}
        onNodeMouseLeave={onNodeMouseLeave}
        onPaneClick={onPaneClick}
        onNodeContextMenu={onNodeContextMenu}
        onPaneContextMenu={onPaneContextMenu}
        onSelectionContextMenu={onPaneContextMenu}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={multiKeys}
        snapToGrid
        snapGrid={snap}
        minZoom={0.1}
        defaultEdgeOptions={edgeOptions}
        fitView
        fitViewOptions={fitOptions}
        proOptions={pro}
      >
        <Background gap={gridSize} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable nodeColor={minimapColor} />
      </ReactFlow>
    </div>
  );
}
