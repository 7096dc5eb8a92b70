// The hardware sidebar: the board's GPIO pins with their owner nodes, and
// the simulator's I2C devices. On the simulator, input pins and the
// expander's inputs can be toggled; a real board is shown read-only.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { getHW, setExpander, setPin } from '../hwapi';
import { labelOf } from '../model/flows';
import { deviceRows, isSim, pinRows, toggleBit, type HWAnswer } from '../model/hw';
import { actions, useStore } from '../store';

/** pollMs is how often the open panel refreshes; node status changes
 * (an output node shows each level it sets) refresh it at once. */
const pollMs = 500;

export function Hardware() {
  const [hw, setHW] = useState<HWAnswer | null>(null);
  const [error, setError] = useState('');
  const [all, setAll] = useState(false);
  const m = useStore((s) => s.history.present);
  const specs = useStore((s) => s.specs);
  const status = useStore((s) => s.status);

  const refresh = useCallback(() => {
    getHW().then(
      (a) => {
        setError(a ? '' : 'the server has no hardware (--hw off)');
        setHW(a);
      },
      (e: Error) => setError(e.message),
    );
  }, []);
  useEffect(() => {
    refresh();
    const t = setInterval(refresh, pollMs);
    return () => clearInterval(t);
  }, [refresh]);
  useEffect(refresh, [status, refresh]);

  const owner = useCallback((id: string) => (m.nodes[id] ? { label: labelOf(m.nodes[id], specs), type: m.nodes[id].type } : undefined), [m, specs]);
  const pins = useMemo(() => (hw ? pinRows(hw, owner) : []), [hw, owner]);
  const devices = useMemo(() => (hw ? deviceRows(hw) : []), [hw]);
  if (!hw) return <div className="fg-info">{error || 'Loading…'}</div>;
  const sim = isSim(hw);
  const shown = all ? pins : pins.filter((p) => p.owner);
  const act = (p: Promise<void>) => p.then(refresh, (e: Error) => setError(e.message));

  return (
    <div className="fg-info fg-hw" aria-label="hardware">
      <div className="fg-hw-head">
        <span>
          board: <b>{sim ? 'simulator' : hw.backend}</b>
          {!sim && ' (read-only)'}
        </span>
        <span className="fg-spacer" />
        {sim && (
          <label className="fg-check">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> all pins
          </label>
        )}
      </div>
      {hw.notice && (
        <div className="fg-hw-error" role="alert">
          {hw.notice}
        </div>
      )}
      {error && <div className="fg-hw-error" role="alert">{error}</div>}
      <h4>GPIO</h4>
      {shown.length === 0 ? (
        <p className="fg-hw-none">No pin is used by a deployed node.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>pin</th>
              <th>mode</th>
              <th>level</th>
              <th>node</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.bcm} data-bcm={p.bcm}>
                <td title={p.header ? `header pin ${p.header}` : undefined}>
                  GPIO{p.bcm}
                  {p.header && <small> ({p.header})</small>}
                </td>
                <td>
                  {p.mode}
                  {p.pull && p.pull !== 'none' && <small> pull {p.pull}</small>}
                </td>
                <td className="fg-hw-level">
                  {p.settable ? (
                    <button
                      className={'fg-hw-bit' + (p.level === '1' ? ' on' : '')}
                      aria-label={`set GPIO${p.bcm}`}
                      aria-pressed={p.level === '1'}
                      title="toggle the input"
                      onClick={() => void act(setPin(p.bcm, p.level === '1' ? 0 : 1))}
                    >
                      {p.level}
                    </button>
                  ) : (
                    <span className={'fg-hw-led' + (p.level === '1' ? ' on' : '')} data-level={p.level}>
                      {p.pwm || p.level || '?'}
                    </span>
                  )}
                </td>
                <td>
                  {p.owner && (
                    <a href="#" onClick={(e) => (e.preventDefault(), actions.get().reveal(p.owner))} title="show node">
                      {p.ownerLabel}
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {devices.length > 0 && (
        <>
          <h4>I2C</h4>
          {devices.map((d) => (
            <div key={`${d.bus}/${d.address}`} className="fg-hw-dev" data-i2c={`${d.bus}/${d.hex}`}>
              <div>
                bus {d.bus} · {d.hex} · <b>{d.device}</b>
              </div>
              {d.inputs && (
                <div className="fg-hw-bits">
                  <span>inputs</span>
                  {d.inputs.map((on, i) => (
                    <button
                      key={i}
                      className={'fg-hw-bit' + (on ? ' on' : '')}
                      aria-label={`input P${i}`}
                      aria-pressed={on}
                      disabled={!sim}
                      title={`P${i}`}
                      onClick={() => {
                        const n = d.inputs!.reduce((acc, b, k) => acc | (b ? 1 << k : 0), 0);
                        void act(setExpander(d.bus, d.address, toggleBit(n, i)));
                      }}
                    >
                      {on ? 1 : 0}
                    </button>
                  ))}
                </div>
              )}
              {d.outputs && (
                <div className="fg-hw-bits">
                  <span>latch</span>
                  {d.outputs.map((on, i) => (
                    <span key={i} className={'fg-hw-led' + (on ? ' on' : '')} title={`P${i}`}>
                      {on ? 1 : 0}
                    </span>
                  ))}
                </div>
              )}
            </div>
          ))}
        </>
      )}
    </div>
  );
}
