import { describe, expect, it } from 'vitest';
import { fromFlows } from './flows';
import { diffFlows, mergeFlows } from './merge';
import type { NRNode } from './types';

const n = (id: string, extra: Record<string, unknown> = {}): NRNode => ({ id, type: 'inject', z: 't1', name: '', ...extra }) as NRNode;
const tab = { id: 't1', type: 'tab', label: 'Flow 1' } as NRNode;

describe('diffFlows', () => {
  it('lists added, changed and deleted nodes with type and name', () => {
    const base = fromFlows([tab, n('a', { name: 'A' }), n('b'), n('c', { type: 'debug', name: 'C' })]);
    const next = fromFlows([tab, n('a', { name: 'A2' }), n('c', { type: 'debug', name: 'C' }), n('d', { type: 'function', name: 'D' })]);
    expect(diffFlows(base, next)).toEqual({
      added: [{ id: 'd', type: 'function', name: 'D' }],
      changed: [{ id: 'a', type: 'inject', name: 'A2' }],
      deleted: [{ id: 'b', type: 'inject', name: '' }],
    });
  });
  it('is empty for equal flows whatever the key order', () => {
    const base = fromFlows([tab, { id: 'a', type: 'x', z: 't1', p: { u: 1, v: [1, 2] } } as NRNode]);
    const next = fromFlows([tab, { type: 'x', id: 'a', p: { v: [1, 2], u: 1 }, z: 't1' } as NRNode]);
    expect(diffFlows(base, next)).toEqual({ added: [], changed: [], deleted: [] });
  });
});

describe('mergeFlows', () => {
  const base = fromFlows([tab, n('a'), n('b'), n('c'), n('d')]);
  it('keeps local edits the server did not touch and takes the server elsewhere', () => {
    // local: edits a, deletes b, adds l; server: edits c, deletes d, adds r
    const local = fromFlows([tab, n('a', { name: 'mine' }), n('c'), n('d'), n('l')]);
    const remote = fromFlows([tab, n('a'), n('b'), n('c', { name: 'theirs' }), n('r')]);
    const { merged, conflicts } = mergeFlows(base, local, remote);
    expect(conflicts).toEqual([]);
    expect(merged.order).toEqual(['t1', 'a', 'c', 'r', 'l']);
    expect(merged.nodes.a.name).toBe('mine');
    expect(merged.nodes.c.name).toBe('theirs');
    expect(merged.nodes.b).toBeUndefined();
    expect(merged.nodes.d).toBeUndefined();
  });
  it('takes the server version of a node both changed and reports it', () => {
    const local = fromFlows([tab, n('a', { name: 'mine' }), n('b', { name: 'x' }), n('c'), n('d')]);
    const remote = fromFlows([tab, n('a', { name: 'theirs' }), n('b', { name: 'x' }), n('c')]);
    const { merged, conflicts } = mergeFlows(base, local, remote);
    expect(conflicts).toEqual([{ id: 'a', type: 'inject', name: 'theirs' }]);
    expect(merged.nodes.a.name).toBe('theirs');
    expect(merged.nodes.b.name).toBe('x'); // same change on both sides
    expect(merged.order).toEqual(['t1', 'a', 'b', 'c']);
  });
  it('a local edit of a node the server deleted is a conflict; the deletion wins', () => {
    const local = fromFlows([tab, n('a'), n('b'), n('c'), n('d', { name: 'mine' })]);
    const remote = fromFlows([tab, n('a'), n('b'), n('c')]);
    const { merged, conflicts } = mergeFlows(base, local, remote);
    expect(conflicts).toEqual([{ id: 'd', type: 'inject', name: 'mine' }]);
    expect(merged.nodes.d).toBeUndefined();
  });
});
