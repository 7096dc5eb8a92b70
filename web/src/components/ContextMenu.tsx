// Node-RED's right-click menu on the canvas: edit, cut, copy, paste,
// delete, enable/disable, select all, flow properties, import and export.

import { useEffect, useRef } from 'react';
import { actions, copy, deleteSelected, paste, selectAll, showData, toggleDisabled, useStore } from '../store';

export function ContextMenu({ openDialog }: { openDialog: (d: 'import' | 'export') => void }) {
  const menu = useStore((s) => s.menu);
  const selected = useStore((s) => s.selected);
  const tab = useStore((s) => s.tab);
  const clipboard = useStore((s) => s.clipboard);
  const box = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (!menu) return;
    const away = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) actions.set({ menu: null });
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [menu]);
  if (!menu) return null;
  const some = selected.length > 0;
  const under = menu.node ? actions.get().history.present.nodes[menu.node] : undefined;
  const item = (label: string, run: () => void, enabled = true, hint?: string) => (
    <li
      role="menuitem"
      aria-disabled={!enabled}
      className={enabled ? '' : 'off'}
      onClick={() => {
        if (!enabled) return;
        actions.set({ menu: null });
        run();
      }}
    >
      {label}
      {hint && <kbd>{hint}</kbd>}
    </li>
  );
  return (
    <ul className="fg-context" role="menu" aria-label="context menu" ref={box} style={{ left: menu.x, top: menu.y }} onContextMenu={(e) => e.preventDefault()}>
      {menu.node && item('Edit…', () => actions.set({ editing: menu.node }))}
      {under?.type === 'store in' && item('Show data', () => showData(typeof under.topic === 'string' ? under.topic : ''))}
      {item('Cut', () => copy(true), some, 'Ctrl+X')}
      {item('Copy', () => copy(), some, 'Ctrl+C')}
      {item('Paste', () => paste(clipboard), clipboard !== '', 'Ctrl+V')}
      {item('Delete', deleteSelected, some, 'Delete')}
      <li className="sep" role="separator" />
      {item(some && selected.every((id) => actions.get().history.present.nodes[id]?.d === true) ? 'Enable' : 'Disable', () => toggleDisabled(selected), some)}
      {item('Select all', selectAll, true, 'Ctrl+A')}
      <li className="sep" role="separator" />
      {item('Flow properties…', () => actions.set({ flowProps: tab }), tab !== '')}
      {item('Import…', () => openDialog('import'), true, 'Ctrl+I')}
      {item('Export…', () => openDialog('export'), true, 'Ctrl+E')}
    </ul>
  );
}
