// The palette: node types by category, filterable, dragged onto the canvas.

import { useMemo, useState } from 'react';
import { useStore } from '../store';
import { openSubflow } from '../subflows';
import { subflowPrefix } from '../model/subflow';
import { iconName } from '../model/canvas';
import type { Spec } from '../model/types';
import { dragType } from './Canvas';
import { Icon } from './icons';

/** paletteTip is a palette entry's tooltip, as Node-RED's: the type, then
 * the whole first paragraph of its help as plain text. */
export function paletteTip(s: Spec): string {
  const para = s.help.split(/\n\s*\n/).find((b) => b.trim() !== '' && !b.trim().startsWith('#')) ?? '';
  const text = para.replace(/`([^`]*)`/g, '$1').replace(/\*\*([^*]+)\*\*/g, '$1').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' ').trim();
  return text ? `${s.paletteLabel || s.type}\n${text}` : s.paletteLabel || s.type;
}

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
                title={paletteTip(s)}
              >
                {s.inputs > 0 && <span className="fg-palette-port in" />}
                <span className="fg-palette-icon">
                  <Icon name={iconName(s.icon)} />
                </span>
                <span className="fg-palette-label">{s.paletteLabel || s.type}</span>
                {(s.outputs > 0 || s.outputsFrom) && <span className="fg-palette-port out" />}
              </div>
            ))}
          </details>
        ))}
      </div>
    </aside>
  );
}
