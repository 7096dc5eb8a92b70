// The one node component: every node type is drawn from its spec.

import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import { memo } from 'react';
import { iconName, type GroupView, type NodeView } from '../model/canvas';
import type { PortView } from '../model/subflow';
import { injectNode, toggleDebug, useStore } from '../store';
import { Icon } from './icons';

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
  // changed since the last deploy (moved too), as Node-RED marks it
  const changed = useStore((s) => s.history.present.nodes[id] !== s.deployed.nodes[id]);
  const h = height ?? 30;
  const cls = ['fg-node'];
  if (selected) cls.push('selected');
  if (data.disabled) cls.push('disabled');
  if (data.unknown) cls.push('unknown');
  if (problems) cls.push(problems.every((p) => p.severity === 'warning') ? 'warned' : 'invalid');
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
      {!data.unknown && (
        <div className={'fg-node-icon' + (data.align === 'right' ? ' right' : '')}>
          <Icon name={iconName(data.icon)} />
        </div>
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
      {changed && <div className="fg-node-changed" aria-label="changed" />}
      {data.inputs > 0 && (
        <Handle type="target" position={Position.Left} id="i" className="fg-port">
          {data.inputLabel && <span className="fg-port-label left">{data.inputLabel}</span>}
        </Handle>
      )}
      {ports.map((i) => (
        <Handle
          key={i}
          type="source"
          position={Position.Right}
          id={`o${i}`}
          className="fg-port"
          style={{ top: data.outputs === 1 ? h / 2 : ((i + 0.5) * h) / data.outputs }}
        >
          {data.outputLabels?.[i] && <span className="fg-port-label">{data.outputLabels[i]}</span>}
        </Handle>
      ))}
      {data.link === 'out' && <Handle type="source" position={Position.Right} id="v" className="fg-vport" isConnectable={false} />}
      {data.link === 'in' && <Handle type="target" position={Position.Left} id="v" className="fg-vport" isConnectable={false} />}
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

/** JunctionNode is Node-RED's junction: a small dot wires pass through. */
export const JunctionNode = memo(function JunctionNode({ id, selected }: NodeProps<Node<NodeView, 'junction'>>) {
  return (
    <div className={'fg-junction' + (selected ? ' selected' : '')} data-node-id={id} data-node-type="junction">
      <Handle type="target" position={Position.Left} id="i" className="fg-jport" />
      <Handle type="source" position={Position.Right} id="o0" className="fg-jport" />
    </div>
  );
});

/** GroupNode is a group's box with its name, in the group's style. */
export const GroupNode = memo(function GroupNode({ id, data, width, height }: NodeProps<Node<GroupView, 'nrgroup'>>) {
  return (
    <div className="fg-group" data-group-id={id} style={{ width, height }}>
      <svg width={width} height={height} className="fg-group-box">
        <rect
          x={1}
          y={1}
          rx={4}
          width={Math.max(0, (width ?? 0) - 2)}
          height={Math.max(0, (height ?? 0) - 2)}
          fill={data.fill}
          fillOpacity={data.fillOpacity}
          stroke={data.stroke}
          strokeWidth={2}
        />
      </svg>
      {data.label && data.name && (
        <div className="fg-group-label" style={{ color: data.color }}>
          {data.name}
        </div>
      )}
    </div>
  );
});

/** PortNode is an input, output or status port of a subflow template, as
 * Node-RED draws them: a small grey box, wired like a node. */
export const PortNode = memo(function PortNode({ id, data, selected }: NodeProps<Node<PortView, 'nrport'>>) {
  return (
    <div className={'fg-sfport ' + data.kind + (selected ? ' selected' : '')} data-port-id={id} data-port-kind={data.kind}>
      {data.kind !== 'in' && <Handle type="target" position={Position.Left} id="i" className="fg-port" />}
      <span>{data.kind === 'out' ? data.label : data.kind === 'in' ? 'in' : 'status'}</span>
      {data.kind === 'in' && <Handle type="source" position={Position.Right} id="o0" className="fg-port" />}
    </div>
  );
});
