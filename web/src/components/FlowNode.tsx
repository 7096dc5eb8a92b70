// The one node component: every node type is drawn from its spec.

import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import { memo } from 'react';
import type { NodeView } from '../model/canvas';
import { injectNode, toggleDebug, useStore } from '../store';

type FlowNodeType = Node<NodeView, 'nr'>;

const statusColors: Record<string, string> = {
  red: '#c00',
  green: '#5a8',
  yellow: '#F9DF31',
  blue: '#53A3F3',
  grey: '#d3d3d3',
  gray: '#d3d3d3',
};

function FlowNodeImpl({ id, data, selected, width, height }: NodeProps<FlowNodeType>) {
  const status = useStore((s) => s.status[id]);
  const problems = useStore((s) => s.problems[id]);
  const h = height ?? 30;
  const cls = ['fg-node'];
  if (selected) cls.push('selected');
  if (data.disabled) cls.push('disabled');
  if (data.unknown) cls.push('unknown');
  if (problems) cls.push('invalid');
  const ports = Array.from({ length: data.outputs }, (_, i) => i);
  return (
    <div
      className={cls.join(' ')}
      style={{ width, height: h, background: data.unknown ? '#fff' : data.color }}
      data-node-id={id}
      data-node-type={data.type}
      title={problems ? problems.map((p) => (p.field ? `${p.field}: ` : '') + p.reason).join('\n') : undefined}
    >
      {data.button === 'inject' && (
        <button
          className="fg-node-button left nodrag"
          aria-label="inject"
          title="inject"
          onClick={(e) => {
            e.stopPropagation();
            void injectNode(id);
          }}
        />
      )}
      <div className={'fg-node-label' + (data.align === 'right' ? ' right' : '')}>{data.label}</div>
      {data.button === 'toggle' && (
        <button
          className={'fg-node-button right nodrag' + (data.active ? ' on' : '')}
          aria-label="toggle"
          title={data.active ? 'disable' : 'enable'}
          onClick={(e) => {
            e.stopPropagation();
            void toggleDebug(id);
          }}
        />
      )}
      {problems && <div className="fg-node-badge" title={problems[0].reason}>!</div>}
      {data.inputs > 0 && <Handle type="target" position={Position.Left} id="i" className="fg-port" />}
      {ports.map((i) => (
        <Handle
          key={i}
          type="source"
          position={Position.Right}
          id={`o${i}`}
          className="fg-port"
          style={{ top: data.outputs === 1 ? h / 2 : ((i + 0.5) * h) / data.outputs }}
        />
      ))}
      {status && (
        <div className="fg-status">
          {status.fill && (
            <span
              className={'fg-status-dot' + (status.shape === 'ring' ? ' ring' : '')}
              style={{ ['--c' as string]: statusColors[status.fill] ?? status.fill }}
            />
          )}
          <span className="fg-status-text">{status.text}</span>
        </div>
      )}
    </div>
  );
}

export const FlowNode = memo(FlowNodeImpl);
