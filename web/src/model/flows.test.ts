import { describe, expect, it } from 'vitest';
import { configUsers, fromFlows, userInjectProps } from './flows';
import type { Spec } from './types';
import { specs as base } from './testutil';

describe('config nodes and their users', () => {
  const broker: Spec = { type: 'mqtt-broker', category: 'config', color: '#fff', inputs: 0, outputs: 0, config: true, props: [{ name: 'broker', kind: 'string', default: '' }], help: '' };
  const mqttIn: Spec = { type: 'mqtt in', category: 'network', color: '#fff', inputs: 0, outputs: 1, props: [{ name: 'broker', kind: 'config', configType: 'mqtt-broker', default: '' }], help: '' };
  const specs = { ...base, 'mqtt-broker': broker, 'mqtt in': mqttIn };
  const m = fromFlows([
    { id: 't', type: 'tab' },
    { id: 'b1', type: 'mqtt-broker', broker: 'a' },
    { id: 'b2', type: 'mqtt-broker', broker: 'b' },
    { id: 'm1', type: 'mqtt in', z: 't', broker: 'b1', x: 1, y: 1, wires: [[]] },
    { id: 'm2', type: 'mqtt in', z: 't', broker: 'b1', x: 1, y: 1, wires: [[]] },
    { id: 'c', type: 'comment', z: 't', name: 'b2', x: 1, y: 1, wires: [] },
  ]);
  it('lists every config node with the nodes that use it', () => {
    expect([...configUsers(m, specs)]).toEqual([
      ['b1', ['m1', 'm2']],
      ['b2', []],
    ]);
  });
});

describe('inject now with the edited properties', () => {
  it('takes payload and topic from the node and the rest from the rows', () => {
    const n = {
      props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }, { p: 'extra', v: '7', vt: 'num' }],
      payload: '{"a":1}',
      payloadType: 'json',
      topic: 'edited',
    };
    expect(userInjectProps(n)).toEqual([
      { p: 'payload', v: '{"a":1}', vt: 'json' },
      { p: 'topic', v: 'edited', vt: 'str' },
      { p: 'extra', v: '7', vt: 'num' },
    ]);
  });
  it('sends no properties when there are none', () => expect(userInjectProps({})).toEqual([]));
});
