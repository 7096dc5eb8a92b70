// Node-RED's flow properties panel: name, enabled, description and the
// flow's environment variables, applied as one undo step.

import { useState } from 'react';
import { editTab, useStore } from '../store';
import { Row } from './forms';
import { JSONField } from './widgets';

export function FlowProperties({ id }: { id: string }) {
  const tab = useStore((s) => s.history.present.nodes[id]);
  const [label, setLabel] = useState(String(tab?.label ?? ''));
  const [disabled, setDisabled] = useState(tab?.disabled === true);
  const [info, setInfo] = useState(typeof tab?.info === 'string' ? tab.info : '');
  const [env, setEnv] = useState<unknown[]>(Array.isArray(tab?.env) ? tab.env : []);
  if (!tab) return null;
  const close = () => useStore.setState({ flowProps: null });
  const done = () => editTab(id, { label, disabled, info, env });
  return (
    <div className="fg-tray" role="dialog" aria-label="Flow properties" onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && done()}>
      <header>
        <span>Edit flow: {label || id}</span>
        <span className="fg-spacer" />
        <button onClick={close}>Cancel</button>
        <button className="primary" onClick={done}>
          Done
        </button>
      </header>
      <div className="fg-form">
        <Row label="Name">
          <input aria-label="flow name" value={label} autoFocus onChange={(e) => setLabel(e.target.value)} />
        </Row>
        <Row label="Status">
          <label className="fg-check">
            <input type="checkbox" aria-label="flow enabled" checked={!disabled} onChange={(e) => setDisabled(!e.target.checked)} />
            {disabled ? 'disabled' : 'enabled'}
          </label>
        </Row>
        <Row label="Description">
          <textarea className="fg-json" aria-label="flow description" placeholder="Markdown, shown in the info sidebar" value={info} onChange={(e) => setInfo(e.target.value)} />
        </Row>
        <Row label="Environment">
          <JSONField value={env} onChange={(v) => Array.isArray(v) && setEnv(v)} />
          <small>a list of {'{"name", "value", "type"}'}, as Node-RED writes them</small>
        </Row>
        <div className="fg-id">id {id}</div>
      </div>
    </div>
  );
}
