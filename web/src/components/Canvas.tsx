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
import { useCallback, useEffect, useMemo, useState, type DragEvent } from 'react';
import { centreOf, gridSize, toCanvas, type CanvasNode, type NodeView } from '../model/canvas';
import { canConnect } from '../model/wiring';
import { actions, addNodeAt, deleteSelected, moveTo, select, unwire, useStore, wire } from '../store';

/** isTyping says whether a key event goes to a text field. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}
import { FlowNode } from './FlowNode';

const nodeTypes = { nr: FlowNode };
export const dragType = 'application/x-flowgate-type';

export function Canvas() {
  const m = useStore((s) => s.history.present);
  const tab = useStore((s) => s.tab);
  const specs = useStore((s) => s.specs);
  const selected = useStore((s) => s.selected);
  const flow = useReactFlow();
  const derived = useMemo(() => toCanvas(m, tab, specs), [m, tab, specs]);
  const [nodes, setNodes] = useState<Node<NodeView>[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);

  useEffect(() => {
    const sel = new Set(selected);
    setNodes(derived.nodes.map((n) => ({ ...n, selected: sel.has(n.id) })));
  }, [derived, selected]);
  useEffect(() => {
    setEdges((old) => {
      const sel = new Set(old.filter((e) => e.selected).map((e) => e.id));
      return derived.edges.map((e) => ({ ...e, selected: sel.has(e.id) }));
    });
  }, [derived]);

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

  const onNodesChange = useCallback((changes: NodeChange<Node<NodeView>>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
    const sel = changes.filter((c) => c.type === 'select');
    if (sel.length > 0) {
      const cur = new Set(actions.get().selected);
      for (const c of sel) if (c.type === 'select') (c.selected ? cur.add(c.id) : cur.delete(c.id));
      select([...cur]);
    }
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);

  const onNodeDragStop = useCallback((_e: unknown, _n: Node, dragged: Node[]) => {
    const pos: Record<string, { x: number; y: number }> = {};
    for (const d of dragged) {
      const c = d as unknown as CanvasNode;
      pos[d.id] = centreOf({ position: d.position, width: c.width, height: c.height });
    }
    moveTo(pos);
  }, []);

  const onConnect = useCallback((c: Connection) => {
    if (!c.sourceHandle) return;
    wire(c.source, Number(c.sourceHandle.slice(1)), c.target);
  }, []);
  const isValidConnection = useCallback(
    (c: Connection | Edge) => {
      const port = Number((c.sourceHandle ?? 'o0').slice(1));
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
      addNodeAt(type, Math.round(p.x / gridSize) * gridSize, Math.round(p.y / gridSize) * gridSize);
    },
    [flow],
  );

  const deleteEdges = useCallback(() => {
    const gone = edges.filter((e) => e.selected);
    if (gone.length === 0) return false;
    unwire(gone.map((e) => ({ src: e.source, port: Number(e.sourceHandle!.slice(1)), dst: e.target })));
    return true;
  }, [edges]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Delete' && e.key !== 'Backspace') return;
      if (isTyping(e) || actions.get().editing) return;
      e.preventDefault();
      deleteEdges();
      deleteSelected();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [deleteEdges]);

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
        onNodeDoubleClick={(_e, n) => actions.set({ editing: n.id })}
        onPaneClick={() => select([])}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        snapToGrid
        snapGrid={[gridSize / 2, gridSize / 2]}
        minZoom={0.1}
        defaultEdgeOptions={{ type: 'default' }}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={gridSize} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable nodeColor={(n) => (n.data as NodeView).color} />
      </ReactFlow>
    </div>
  );
}
