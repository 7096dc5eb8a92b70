import { describe, expect, it } from 'vitest';
import { fromCanvas, centreOf, nodeSize, toCanvas } from './canvas';
import { fromFlows, parseFlows, toFlows } from './flows';
import { exports, specs } from './testutil';

describe('round trip of real Node-RED exports', () => {
  it('has golden files', () => expect(exports.length).toBeGreaterThan(3));
  for (const [name, text] of exports) {
    describe(name, () => {
      const flows = parseFlows(text);
      const m = fromFlows(flows);
      it('flows JSON → model → flows JSON is byte for byte the same', () => {
        expect(JSON.stringify(toFlows(m))).toBe(JSON.stringify(JSON.parse(text)));
      });
      it('model → canvas → model changes nothing on any tab or subflow', () => {
        const zs = [...new Set(flows.map((n) => n.z).filter((z): z is string => !!z))];
        let drawn = 0;
        for (const z of zs) {
          const c = toCanvas(m, z, specs);
          drawn += c.nodes.length;
          expect(fromCanvas(m, c.nodes, c.edges)).toBe(m);
          for (const cn of c.nodes) {
            const n = m.nodes[cn.id];
            expect(centreOf(cn)).toEqual({ x: n.x, y: n.y });
          }
        }
        expect(drawn).toBeGreaterThan(0);
      });
      it('draws one edge per wire between nodes of a tab', () => {
        for (const n of flows) {
          if (!n.z || !Array.isArray(n.wires)) continue;
          const c = toCanvas(m, n.z, specs);
          const want = n.wires.flatMap((p, port) =>
            p.filter((t) => m.nodes[t]?.z === n.z).map((t) => `${n.id}:${port}>${t}`),
          );
          expect(c.edges.filter((e) => e.source === n.id).map((e) => e.id)).toEqual(want);
        }
      });
    });
  }
});

describe('canvas → flows', () => {
  const m = fromFlows(
    parseFlows(
      JSON.stringify([
        { id: 't', type: 'tab', label: 'T' },
        { id: 'a', type: 'inject', z: 't', name: 'go', x: 100, y: 80, wires: [['b']], extra: { keep: [1, 2] } },
        { id: 'b', type: 'debug', z: 't', name: '', x: 300, y: 80, wires: [] },
        { id: 'u', type: 'mystery', z: 't', secret: 42, x: 300, y: 200, wires: [['a'], []] },
      ]),
    ),
  );
  it('writes a move back as Node-RED centre coordinates and keeps every other property', () => {
    const c = toCanvas(m, 't', specs);
    const moved = c.nodes.map((n) => (n.id === 'a' ? { ...n, position: { x: n.position.x + 40, y: n.position.y + 20 } } : n));
    const out = toFlows(fromCanvas(m, moved, c.edges));
    expect(out[1]).toEqual({ ...m.nodes.a, x: 140, y: 100 });
    expect(Object.keys(out[1])).toEqual(Object.keys(m.nodes.a));
    expect(out[2]).toBe(m.nodes.b);
  });
  it('writes a new edge back as a wire and a removed edge as none', () => {
    const c = toCanvas(m, 't', specs);
    const edges = [
      ...c.edges.filter((e) => e.source !== 'a'),
      { id: 'x', source: 'u', sourceHandle: 'o1', target: 'b', targetHandle: 'i' },
    ];
    const out = fromCanvas(m, c.nodes, edges);
    expect(out.nodes.a.wires).toEqual([[]]);
    expect(out.nodes.u.wires).toEqual([['a'], ['b']]);
  });
  it('draws unknown types with the ports their wires show and marks them', () => {
    const u = toCanvas(m, 't', specs).nodes.find((n) => n.id === 'u')!;
    expect(u.data).toMatchObject({ unknown: true, inputs: 1, outputs: 2, label: 'mystery' });
  });
  it('labels a node by its name, else its palette label', () => {
    const c = toCanvas(m, 't', specs);
    expect(c.nodes.map((n) => n.data.label)).toEqual(['go', 'debug', 'mystery']);
  });
  it('sizes nodes as Node-RED does', () => {
    expect(nodeSize('go', 1)).toEqual({ width: 100, height: 30 });
    expect(nodeSize('a rather long label here', 1).width).toBe(220);
    expect(nodeSize('x', 4).height).toBe(60);
  });
});
