import { describe, expect, it } from 'vitest';
import { fromFlows, newNode, removeNodes } from './flows';
import { applyProps, canConnect, connect, disconnect, fitWires, inputCount, outputCount, spliceIn } from './wiring';
import { specs } from './testutil';
import type { NRNode } from './types';

const flow = (...nodes: NRNode[]) => fromFlows([{ id: 't', type: 'tab' }, { id: 't2', type: 'tab' }, ...nodes]);

describe('outputCount', () => {
  const cases: [string, NRNode, number][] = [
    ['fixed from the spec', { id: 'a', type: 'inject' }, 1],
    ['none for debug', { id: 'a', type: 'debug' }, 0],
    ['switch: one per rule', { id: 'a', type: 'switch', rules: [{ t: 'eq' }, { t: 'gt' }, { t: 'else' }], outputs: 1 }, 3],
    ['switch without rules', { id: 'a', type: 'switch', rules: [] }, 0],
    ['delay: the outputs property', { id: 'a', type: 'delay', outputs: 2 }, 2],
    ['delay: outputs as text', { id: 'a', type: 'delay', outputs: '2' }, 2],
    ['delay: bad outputs falls back to the spec', { id: 'a', type: 'delay', outputs: 'x' }, 1],
    ['unknown type: as its wires', { id: 'a', type: 'mystery', wires: [[], [], []] }, 3],
    ['unknown type without wires', { id: 'a', type: 'mystery' }, 0],
  ];
  for (const [name, n, want] of cases) it(name, () => expect(outputCount(n, specs[n.type])).toBe(want));
});

describe('inputCount', () => {
  it('inject has none', () => expect(inputCount({ id: 'a', type: 'inject' }, specs.inject)).toBe(0));
  it('debug has one', () => expect(inputCount({ id: 'a', type: 'debug' }, specs.debug)).toBe(1));
  it('unknown types get one', () => expect(inputCount({ id: 'a', type: 'mystery' }, undefined)).toBe(1));
});

describe('canConnect and connect', () => {
  const m = flow(
    { id: 'i', type: 'inject', z: 't', wires: [[]] },
    { id: 'i2', type: 'inject', z: 't', wires: [[]] },
    { id: 'd', type: 'debug', z: 't', wires: [] },
    { id: 's', type: 'switch', z: 't', rules: [{ t: 'eq' }, { t: 'else' }], wires: [[], []] },
    { id: 'far', type: 'debug', z: 't2', wires: [] },
  );
  const cases: [string, string, number, string, string | null][] = [
    ['inject to debug', 'i', 0, 'd', null],
    ['switch second port', 's', 1, 'd', null],
    ['switch third port does not exist', 's', 2, 'd', 'node has no output 3'],
    ['debug has no output', 'd', 0, 'i', 'node has no output 1'],
    ['inject has no input', 's', 0, 'i2', 'node has no input'],
    ['not to itself', 's', 0, 's', 'a node cannot be wired to itself'],
    ['not across tabs', 'i', 0, 'far', 'nodes are on different tabs'],
    ['not to a missing node', 'i', 0, 'nope', 'no such node'],
  ];
  for (const [name, src, port, dst, reason] of cases) {
    it(name, () => {
      const c = canConnect(m, specs, src, port, dst);
      expect(c.ok ? null : c.reason).toBe(reason);
      const next = connect(m, specs, src, port, dst);
      if (reason) expect(next).toBe(m);
      else expect(next.nodes[src].wires![port]).toEqual([dst]);
    });
  }
  it('refuses a duplicate wire', () => {
    const once = connect(m, specs, 'i', 0, 'd');
    expect(canConnect(once, specs, 'i', 0, 'd')).toEqual({ ok: false, reason: 'already wired' });
    expect(connect(once, specs, 'i', 0, 'd')).toBe(once);
  });
  it('disconnect removes just that wire', () => {
    let x = connect(m, specs, 's', 0, 'd');
    x = connect(x, specs, 's', 1, 'd');
    x = disconnect(x, 's', 0, 'd');
    expect(x.nodes.s.wires).toEqual([[], ['d']]);
    expect(disconnect(x, 's', 0, 'd')).toBe(x);
  });
  it('removing a node removes the wires to it', () => {
    const x = removeNodes(connect(m, specs, 'i', 0, 'd'), ['d']);
    expect(x.nodes.i.wires).toEqual([[]]);
    expect(x.nodes.d).toBeUndefined();
  });
  it('removing a tab removes its nodes', () => {
    const x = removeNodes(m, ['t2']);
    expect(x.order).toEqual(['t', 'i', 'i2', 'd', 's']);
  });
});

describe('applyProps', () => {
  const s: NRNode = { id: 's', type: 'switch', z: 't', rules: [{ t: 'eq' }, { t: 'gt' }], outputs: 2, wires: [['a'], ['b']] };
  it('a removed rule drops its port and wires and sets outputs', () => {
    const out = applyProps(s, { rules: [{ t: 'eq' }] }, specs.switch);
    expect(out).toMatchObject({ outputs: 1, wires: [['a']] });
  });
  it('an added rule adds an empty port', () => {
    const out = applyProps(s, { rules: [{ t: 'eq' }, { t: 'gt' }, { t: 'else' }] }, specs.switch);
    expect(out).toMatchObject({ outputs: 3, wires: [['a'], ['b'], []] });
  });
  it('fitWires keeps a node that fits', () => expect(fitWires(s, 2)).toBe(s));
  it('a new node has the spec defaults and one wire list per output', () => {
    const n = fitWires(newNode(specs.switch, 'x', 't', 10, 20), 1);
    expect(n).toMatchObject({ id: 'x', type: 'switch', z: 't', property: 'payload', propertyType: 'msg', x: 10, y: 20, wires: [[]] });
  });
});

describe('spliceIn', () => {
  const m = flow(
    { id: 'i', type: 'inject', z: 't', wires: [['d']] },
    { id: 'c', type: 'change', z: 't', rules: [], wires: [[]] },
    { id: 'c2', type: 'change', z: 't', rules: [], wires: [['d']] },
    { id: 'd', type: 'debug', z: 't', wires: [] },
    { id: 'i2', type: 'inject', z: 't', wires: [[]] },
  );
  it('puts an unwired node into the wire', () => {
    const out = spliceIn(m, specs, 'i', 0, 'd', 'c');
    expect(out.nodes.i.wires).toEqual([['c']]);
    expect(out.nodes.c.wires).toEqual([['d']]);
  });
  const refused: [string, string][] = [
    ['a node already wired', 'c2'],
    ['a node without an input', 'i2'],
    ['a node without an output', 'd'],
    ['an end of the wire itself', 'i'],
  ];
  for (const [name, id] of refused) it(`leaves ${name}`, () => expect(spliceIn(m, specs, 'i', 0, 'd', id)).toBe(m));
  it('leaves a wire that does not exist', () => expect(spliceIn(m, specs, 'i2', 0, 'd', 'c')).toBe(m));
});
