import { describe, expect, it } from 'vitest';
import { nodeLabel, outputLabels } from './labels';
import type { NRNode } from './types';

const n = (type: string, extra: Record<string, unknown> = {}): NRNode => ({ id: 'x', type, ...extra }) as NRNode;

// The expected words are what Node-RED 4's editor shows for these nodes.
describe('nodeLabel', () => {
  const cases: [NRNode, string][] = [
    [n('inject', { payloadType: 'date', payload: '', repeat: '', crontab: '' }), 'timestamp'],
    [n('debug', { complete: 'false' }), 'msg.payload'],
    [n('debug', { complete: 'true', console: true }), 'msg\t⇲'],
    [n('http in', { method: 'get', url: '/hello' }), '[get] /hello'],
    [n('http in', { method: 'post', url: 'x' }), '[post] /x'],
    [n('http response', { statusCode: '404' }), 'http (404)'],
    [n('function', { name: '' }), 'function'],
    [n('function', { name: 'mine' }), 'mine'],
    [n('change', { rules: [{ t: 'set', p: 'payload', pt: 'msg' }] }), 'set msg.payload'],
    [n('change', { rules: [{ t: 'set', p: 'a' }, { t: 'delete', p: 'b' }] }), 'change: 2 rules'],
    [n('change', { name: 'tidy', rules: [] }), 'tidy'],
    [n('catch', { scope: null }), 'catch: all'],
    [n('catch', { scope: null, uncaught: true }), 'catch: uncaught'],
    [n('status', { scope: ['a', 'b'] }), 'status: 2'],
    [n('delay', { pauseType: 'delay', timeout: '5', timeoutUnits: 'seconds' }), 'delay 5s'],
    [n('delay', { pauseType: 'rate', rate: '1', rateUnits: 'second', nbRateUnits: '1' }), 'limit 1 msg/s'],
    [n('mqtt in', { topic: 'home/#' }), 'home/#'],
    [n('mqtt-broker', { broker: 'localhost', port: '1883' }), 'localhost:1883'],
    [n('join', { mode: 'custom', count: '3' }), 'join 3'],
    [n('file', { filename: '/tmp/a', filenameType: 'str' }), '/tmp/a'],
    [n('range', { minout: '0', maxout: '10' }), '0 - 10'],
  ];
  for (const [node, want] of cases) it(`${node.type} ${want}`, () => expect(nodeLabel(node)).toBe(want));
  it('leaves other types to the caller', () => expect(nodeLabel(n('sqlite'))).toBeUndefined());
});

describe('outputLabels', () => {
  it('switch: one per rule', () => {
    expect(outputLabels(n('switch', { rules: [{ t: 'eq', v: 'on', vt: 'str' }, { t: 'btwn', v: '1', vt: 'num', v2: '5', v2t: 'num' }, { t: 'else' }] }))).toEqual([
      '== "on"',
      'is between 1 & 5',
      'otherwise',
    ]);
  });
  it('inject: its properties and their types', () => {
    expect(outputLabels(n('inject', { props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], payloadType: 'date' }))).toEqual(['payload: timestamp\ntopic: string']);
  });
  it("the user's own labels win", () => {
    expect(outputLabels(n('switch', { rules: [{ t: 'else' }], outputLabels: ['rest'] }))).toEqual(['rest']);
  });
});
