// The hardware sidebar's model: GET /api/hw's answer (pins and, on the
// simulator, I2C devices) turned into the rows the panel shows.

/** HWPin is one pin of GET /api/hw (hw.PinState plus its owner node). */
export interface HWPin {
  bcm: number;
  header?: number;
  mode?: string; // "in" | "out" | "pwm"; absent on a real board
  pull?: string;
  level?: number;
  duty?: number;
  freq?: number;
  owner?: string;
}

export interface HWDevice {
  address: number;
  device: string; // "pcf8574" | "bme280" | "registers"
  inputs?: number;
  outputs?: number;
}

export interface HWAnswer {
  backend: string; // "sim" | "periph" | ...
  /** notice: why the simulator stands in for a Raspberry Pi's pins, and the fix. */
  notice?: string;
  pins: HWPin[];
  i2c: { bus: number; devices: HWDevice[] }[];
}

export interface PinRow {
  bcm: number;
  header: string; // "" when unknown
  mode: string;
  pull: string;
  /** level is "" where the backend does not report it (a real board). */
  level: string;
  /** pwm is "50% @ 100 Hz" for a PWM output, else "". */
  pwm: string;
  owner: string; // node id or ""
  ownerLabel: string; // node label, the id when the node is not in the editor, or ""
  /** settable: a simulator input nobody drives, which the panel can toggle. */
  settable: boolean;
}

export interface DeviceRow {
  bus: number;
  address: number;
  hex: string; // "0x20"
  device: string;
  /** inputs are the expander's 8 input levels, bit 0 first; null when the
   * device is not an expander. */
  inputs: boolean[] | null;
  outputs: boolean[] | null;
}

/** isSim says whether the panel may poke the pins (the simulator) or only
 * show them (a real board). */
export const isSim = (a: HWAnswer) => a.backend === 'sim';

/** OwnerInfo is what the editor knows of an owner node. */
export interface OwnerInfo {
  label: string;
  type: string;
}

/** pinRows maps the answer's pins to rows, claimed pins first then by BCM
 * number; owner describes an owner node (undefined when the editor does not
 * have it). A pin of an output node that has not written yet is still an
 * input on the simulator, but is not offered as a toggle. */
export function pinRows(a: HWAnswer, owner: (id: string) => OwnerInfo | undefined): PinRow[] {
  const sim = isSim(a);
  const rows = (a.pins ?? []).map((p): PinRow => {
    const mode = p.mode ?? '';
    const id = p.owner ?? '';
    const o = id ? owner(id) : undefined;
    return {
      bcm: p.bcm,
      header: p.header ? String(p.header) : '',
      mode,
      pull: p.pull ?? '',
      level: sim || p.level !== undefined ? String(p.level ?? 0) : '',
      pwm: mode === 'pwm' ? `${fmt(p.duty ?? 0)}%${p.freq ? ` @ ${fmt(p.freq)} Hz` : ''}` : '',
      owner: id,
      ownerLabel: id ? (o?.label ?? id) : '',
      settable: sim && (mode === 'in' || mode === '') && o?.type !== 'rpi-gpio out',
    };
  });
  return rows.sort((x, y) => Number(!x.owner) - Number(!y.owner) || x.bcm - y.bcm);
}

/** deviceRows lists the I2C devices by bus then address. */
export function deviceRows(a: HWAnswer): DeviceRow[] {
  const rows: DeviceRow[] = [];
  for (const b of a.i2c ?? []) {
    for (const d of b.devices ?? []) {
      rows.push({
        bus: b.bus,
        address: d.address,
        hex: '0x' + d.address.toString(16).padStart(2, '0'),
        device: d.device,
        inputs: d.inputs === undefined ? null : bits(d.inputs),
        outputs: d.outputs === undefined ? null : bits(d.outputs),
      });
    }
  }
  return rows.sort((x, y) => x.bus - y.bus || x.address - y.address);
}

/** bits splits a byte into 8 levels, bit 0 first. */
export function bits(n: number): boolean[] {
  return Array.from({ length: 8 }, (_, i) => ((n >> i) & 1) === 1);
}

/** toggleBit answers the byte n with bit i flipped. */
export const toggleBit = (n: number, i: number) => (n ^ (1 << i)) & 0xff;

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
