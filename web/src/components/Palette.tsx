// The palette: node types by category, filterable, dragged onto the canvas.

import { useMemo, useState } from 'react';
import { useStore } from '../store';
import { openSubflow } from '../subflows';
import { subflowPrefix } from '../model/subflow';
import { dragType } from './Canvas';

const categoryOrder = ['subflows', 'common', 'function', 'sequence', 'parser', 'network', 'storage', 'hardware', 'homeassistant'];

export function Palette() {
  const specList = useStore((s) => s.specList);
  const [filter, setFilter] = useState('');
  const groups = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const by = new Map<string, typeof specList>();
    for (const s of specList) {
      if (s.config || s.type === 'junction') continue;
      const label = s.paletteLabel || s.type;
      if (f && !label.toLowerCase().includes(f) && !s.type.toLowerCase().includes(f)) continue;
      by.set(s.category, [...(by.get(s.category) ?? []), s]);
    }
    const rank = (c: string) => (categoryOrder.includes(c) ? categoryOrder.indexOf(c) : categoryOrder.length);
    return [...by].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  }, [specList, filter]);
  return (
    <aside className="fg-palette">
      <input
        className="fg-filter"
        placeholder="filter nodes"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        aria-label="filter nodes"
      />
      <div className="fg-palette-list">
        {groups.map(([cat, specs]) => (
          <details key={cat} open>
            <summary>{cat}</summary>
            {specs.map((s) => (
              <div
                key={s.type}
                className={'fg-palette-node' + (s.align === 'right' ? ' right' : '')}
                style={{ background: s.color }}
                draggable
                data-type={s.type}
                onDragStart={(e) => {
                  e.dataTransfer.setData(dragType, s.type);
                  e.dataTransfer.effectAllowed = 'move';
                }}
                // a subflow's entry opens its template, as in Node-RED
                onDoubleClick={() => s.type.startsWith(subflowPrefix) && openSubflow(s.type.slice(subflowPrefix.length))}
                title={s.help.split('\n')[0]}
              >
                {s.inputs > 0 && <span className="fg-palette-port in" />}
                {s.paletteLabel || s.type}
                {(s.outputs > 0 || s.outputsFrom) && <span className="fg-palette-port out" />}
              </div>
            ))}
          </details>
        ))}
      </div>
    </aside>
  );
}
