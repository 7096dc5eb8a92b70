import { describe, expect, it } from 'vitest';
import { bits, deviceRows, pinRows, toggleBit, type HWAnswer } from './hw';

// simAnswer is GET /api/hw on the simulator with an rpi-gpio in on 17
// (pull up), an rpi-gpio out on 18 set high, a PWM output on 12 and the
// default devices (BME280 at 0x76, PCF8574 at 0x20).
const simAnswer: HWAnswer = {
  backend: 'sim',
  pins: [
    { bcm: 2, header: 3, mode: 'in', pull: 'none', level: 0 },
    { bcm: 12, header: 32, mode: 'pwm', level: 1, duty: 25, freq: 100, owner: 'pwm1' },
    { bcm: 17, header: 11, mode: 'in', pull: 'up', level: 1, owner: 'in1' },
    { bcm: 18, header: 12, mode: 'out', level: 1, owner: 'out1' },
  ],
  i2c: [
    {
      bus: 1,
      devices: [
        { address: 0x76, device: 'bme280' },
        { address: 0x20, device: 'pcf8574', inputs: 0b1111_1101, outputs: 0xff },
      ],
    },
  ],
};

const owners: Record<string, { label: string; type: string }> = {
  in1: { label: 'button', type: 'rpi-gpio in' },
  out1: { label: 'led', type: 'rpi-gpio out' },
};
const label = (id: string) => owners[id];

describe('pinRows', () => {
  it('puts claimed pins first, names owners and marks simulator inputs settable', () => {
    const rows = pinRows(simAnswer, label);
    expect(rows.map((r) => [r.bcm, r.ownerLabel, r.settable])).toEqual([
      [12, 'pwm1', false], // an owner the editor does not know: its id
      [17, 'button', true],
      [18, 'led', false],
      [2, '', true],
    ]);
  });

  it('shows levels, pulls, header pins and PWM duty', () => {
    const [pwm, input, output] = pinRows(simAnswer, label);
    expect(pwm).toMatchObject({ mode: 'pwm', pwm: '25% @ 100 Hz', level: '1' });
    expect(input).toMatchObject({ header: '11', pull: 'up', level: '1' });
    expect(output).toMatchObject({ mode: 'out', level: '1', pwm: '', pull: '' });
  });

  it('shows a real board read-only, without levels it does not report', () => {
    const rows = pinRows({ backend: 'periph', pins: [{ bcm: 4, owner: 'in1' }], i2c: [] }, label);
    expect(rows).toEqual([
      { bcm: 4, header: '', mode: '', pull: '', level: '', pwm: '', owner: 'in1', ownerLabel: 'button', settable: false },
    ]);
  });

  it('does not offer a toggle on the pin of an output node before its first write', () => {
    const [row] = pinRows({ backend: 'sim', pins: [{ bcm: 18, mode: 'in', level: 0, owner: 'out1' }], i2c: [] }, label);
    expect(row).toMatchObject({ mode: 'in', ownerLabel: 'led', settable: false });
  });

  it('copes with an empty answer', () => {
    expect(pinRows({ backend: 'sim', pins: [], i2c: [] }, label)).toEqual([]);
  });
});

describe('deviceRows', () => {
  it('lists devices by address with the expander as bits', () => {
    const rows = deviceRows(simAnswer);
    expect(rows.map((r) => [r.hex, r.device])).toEqual([
      ['0x20', 'pcf8574'],
      ['0x76', 'bme280'],
    ]);
    expect(rows[0].inputs).toEqual([true, false, true, true, true, true, true, true]);
    expect(rows[0].outputs).toEqual(Array(8).fill(true));
    expect(rows[1].inputs).toBeNull();
  });
});

describe('bits', () => {
  it.each([
    [0, 0, 1],
    [0xff, 7, 0x7f],
    [0b101, 1, 0b111],
  ])('toggleBit(%i, %i) = %i and round-trips through bits', (n, i, want) => {
    expect(toggleBit(n, i)).toBe(want);
    expect(bits(want).reduce((acc, b, k) => acc | (b ? 1 << k : 0), 0)).toBe(want);
  });
});
