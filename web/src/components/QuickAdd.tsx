// Node-RED's quick-add box: Ctrl+click on the canvas, type part of a node
// type, Enter (or click) adds it where the box opened.

import { useMemo, useState } from 'react';
import { gridSize, iconName } from '../model/canvas';
import { actions, addNodeAt, useStore, type ContextMenuAt } from '../store';
import { Icon } from './icons';

export function QuickAdd() {
  const at = useStore((s) => s.quickAdd);
  // a new box for every Ctrl+click: it starts empty
  return at ? <QuickAddBox key={`${at.x},${at.y}`} at={at} /> : null;
}

function QuickAddBox({ at }: { at: ContextMenuAt }) {
  const specList = useStore((s) => s.specList);
  const [q, setQ] = useState('');
  const [pick, setPick] = useState(0);
  const hits = useMemo(() => {
    const f = q.trim().toLowerCase();
    const all = specList.filter((s) => !s.config && s.type !== 'junction');
    if (!f) return all.slice(0, 12);
    // names that start with the text first, then those that contain it
    const starts = all.filter((s) => (s.paletteLabel || s.type).toLowerCase().startsWith(f));
    const has = all.filter((s) => !starts.includes(s) && (s.paletteLabel || s.type).toLowerCase().includes(f));
    return [...starts, ...has].slice(0, 12);
  }, [specList, q]);
  const add = (type: string) => {
    const snap = (v: number) => Math.round(v / gridSize) * gridSize;
    actions.set({ quickAdd: null });
    addNodeAt(type, snap(at.flowX), snap(at.flowY));
  };
  return (
    <div className="fg-quickadd" role="dialog" aria-label="Add a node" style={{ left: at.x, top: at.y }}>
      <input
        aria-label="node type"
        autoFocus
        placeholder="add a node…"
        value={q}
        onChange={(e) => (setQ(e.target.value), setPick(0))}
        onBlur={() => setTimeout(() => actions.get().quickAdd === at && actions.set({ quickAdd: null }), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setPick((i) => Math.min(i + 1, hits.length - 1));
          else if (e.key === 'ArrowUp') setPick((i) => Math.max(i - 1, 0));
          else if (e.key === 'Enter' && hits[pick]) add(hits[pick].type);
          else return;
          e.preventDefault();
        }}
      />
      <ul role="listbox">
        {hits.map((s, i) => (
          <li key={s.type} role="option" aria-selected={i === pick} data-type={s.type} onMouseDown={(e) => e.preventDefault()} onClick={() => add(s.type)}>
            <span className="fg-quickadd-swatch" style={{ background: s.color }}>
              <Icon name={iconName(s.icon)} />
            </span>
            {s.paletteLabel || s.type}
          </li>
        ))}
      </ul>
    </div>
  );
}
