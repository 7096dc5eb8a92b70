import { describe, expect, it } from 'vitest';
import { fromCanvas, centreOf, groupView, iconName, newCanvasCache, nodeSize, toCanvas, withState } from './canvas';
import { fromFlows, labelOf, moveNodes, parseFlows, toFlows } from './flows';
import { iconPath } from './icons';
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
          expect(c.edges.filter((e) => e.source === n.id && !e.link).map((e) => e.id)).toEqual(want);
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
    expect(c.nodes.map((n) => n.data.label)).toEqual(['go', 'msg.payload', 'mystery']);
  });
  it('sizes nodes as Node-RED does', () => {
    expect(nodeSize('go', 1)).toEqual({ width: 100, height: 30 });
    expect(nodeSize('a rather long label here', 1).width).toBe(220);
    expect(nodeSize('x', 4).height).toBe(60);
  });
});

describe('debug labels as Node-RED', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['unnamed shows msg.payload', { complete: 'false' }, 'msg.payload'],
    ['no complete shows msg.payload', {}, 'msg.payload'],
    ['a property', { complete: 'topic' }, 'msg.topic'],
    ['the complete message', { complete: 'true' }, 'msg'],
    ['a name wins', { name: 'mine', complete: 'topic' }, 'mine'],
    ['jsonata', { targetType: 'jsonata', complete: '$' }, 'JSONata'],
    ['to the console too', { console: true }, 'msg.payload\t⇲'],
  ];
  for (const [name, props, want] of cases) {
    it(name, () => expect(labelOf({ id: 'd', type: 'debug', ...props }, specs)).toBe(want));
  }
});

describe('groups, junctions, link wires, icons', () => {
  const m = fromFlows([
    { id: 't', type: 'tab', label: 'T' },
    { id: 'g', type: 'group', z: 't', name: 'G', style: { stroke: '#ff0000', fill: '#ffefbf', 'fill-opacity': '0.5', label: true }, nodes: ['a', 'j'], x: 20, y: 20, w: 300, h: 100 },
    { id: 'a', type: 'inject', z: 't', g: 'g', x: 100, y: 60, wires: [['j']] },
    { id: 'j', type: 'junction', z: 't', g: 'g', x: 200, y: 60, wires: [['lo']] },
    { id: 'lo', type: 'link out', z: 't', mode: 'link', links: ['li', 'elsewhere'], x: 300, y: 200, wires: [] },
    { id: 'li', type: 'link in', z: 't', links: ['lo'], x: 500, y: 200, wires: [[]] },
    { id: 'lr', type: 'link out', z: 't', mode: 'return', links: ['li'], x: 300, y: 300, wires: [] },
  ]);
  const c = toCanvas(m, 't', specs);
  it('draws a junction as a 10×10 dot centred on its x,y', () => {
    const j = c.nodes.find((n) => n.id === 'j')!;
    expect(j).toMatchObject({ type: 'junction', width: 10, height: 10, position: { x: 195, y: 55 } });
    expect(centreOf(j)).toEqual({ x: 200, y: 60 });
  });
  it('draws a group box with its name and style, behind its members', () => {
    expect(c.groups).toHaveLength(1);
    const g = c.groups[0];
    expect(g).toMatchObject({ id: 'g', type: 'nrgroup', position: { x: 20, y: 20 }, width: 300, height: 100, zIndex: -1, selectable: false, draggable: false });
    expect(g.data).toEqual({ name: 'G', stroke: '#ff0000', fill: '#ffefbf', fillOpacity: 0.5, color: '#a4a4a4', label: true });
  });
  it('grows a group box to hold a member moved out of it', () => {
    const g = toCanvas(moveNodes(m, { a: { x: 100, y: 400 } }), 't', specs).groups[0];
    expect(g.position).toEqual({ x: 20, y: 20 });
    expect(g.position.y + g.height).toBe(400 + 15 + 10);
  });
  it('reads a group without style with Node-RED defaults', () => {
    expect(groupView({ id: 'x', type: 'group' })).toEqual({ name: '', stroke: '#999999', fill: 'none', fillOpacity: 1, color: '#a4a4a4', label: true });
  });
  it('draws link wires between link nodes of the tab, marked, and not into wires', () => {
    const links = c.edges.filter((e) => e.link);
    expect(links.map((e) => e.id)).toEqual(['lo~>li']);
    expect(links[0]).toMatchObject({ source: 'lo', sourceHandle: 'v', target: 'li', targetHandle: 'v', selectable: false });
    expect(fromCanvas(m, c.nodes, c.edges)).toBe(m);
    expect(c.nodes.find((n) => n.id === 'lo')!.data.link).toBe('out');
    expect(c.nodes.find((n) => n.id === 'li')!.data.link).toBe('in');
  });
  it('names icons by their file and draws every one, unknown ones as a cog', () => {
    expect(iconName('inject.svg')).toBe('inject');
    expect(iconName('font-awesome/fa-cog')).toBe('cog');
    expect(iconName('node-red/parser-json.svg')).toBe('parser-json');
    expect(iconName(undefined)).toBe('');
    for (const s of Object.values(specs)) expect(iconPath(iconName(s.icon))).toMatch(/^M/);
    expect(iconPath('parser-json')).toBe(iconPath('parser'));
    expect(iconPath('no-such')).toBe(iconPath('cog'));
  });
});

describe('redrawing only what changed', () => {
  const m = fromFlows([
    { id: 't', type: 'tab', label: 'T' },
    { id: 'a', type: 'inject', z: 't', x: 100, y: 60, wires: [['b']] },
    { id: 'b', type: 'debug', z: 't', x: 300, y: 60, wires: [] },
  ]);
  it('gives unchanged nodes and edges back identical from a cache', () => {
    const cache = newCanvasCache();
    const c1 = toCanvas(m, 't', specs, cache);
    const c2 = toCanvas(moveNodes(m, { b: { x: 320, y: 60 } }), 't', specs, cache);
    expect(c2.nodes[0]).toBe(c1.nodes[0]);
    expect(c2.nodes[1]).not.toBe(c1.nodes[1]);
    expect(c2.edges[0]).toBe(c1.edges[0]);
    expect(toCanvas(m, 't', { ...specs }, cache).nodes[0]).not.toBe(c1.nodes[0]);
  });
  it('merges with the canvas state keeping unchanged objects', () => {
    const cache = newCanvasCache();
    const c1 = toCanvas(m, 't', specs, cache);
    const none = () => false;
    const r1 = withState([], c1.nodes, new Map(), none);
    // the canvas measures the nodes: it holds its own objects now
    const held = r1.items.map((n) => ({ ...n, measured: { width: n.width, height: n.height } }));
    const r2 = withState(held, c1.nodes, r1.base, none);
    expect(r2.items).toBe(held);
    const r3 = withState(held, c1.nodes, r2.base, (id) => id === 'a');
    expect(r3.items[0]).toMatchObject({ selected: true, measured: held[0].measured });
    expect(r3.items[1]).toBe(held[1]);
    const c2 = toCanvas(moveNodes(m, { b: { x: 320, y: 60 } }), 't', specs, cache);
    const r4 = withState(r3.items, c2.nodes, r3.base, (id) => id === 'a');
    expect(r4.items[0]).toBe(r3.items[0]);
    expect(r4.items[1]).toMatchObject({ position: c2.nodes[1].position, measured: held[1].measured, selected: false });
  });
});
