// Types shared by the editor: Node-RED's flow JSON and Flowgate's node
// specs (engine/spec.go, served by GET /api/specs).

/** One object of a Node-RED flows array: a tab, subflow, group, node or config node. */
export interface NRNode {
  id: string;
  type: string;
  z?: string;
  x?: number;
  y?: number;
  wires?: string[][];
  name?: string;
  [key: string]: unknown;
}

export type Kind =
  | 'string'
  | 'number'
  | 'bool'
  | 'select'
  | 'typed'
  | 'json'
  | 'code'
  | 'list'
  | 'config'
  | 'nodes';

export interface Option {
  value: string;
  label: string;
}

export interface Prop {
  name: string;
  label?: string;
  kind: Kind;
  default: unknown;
  required?: boolean;
  options?: Option[];
  types?: string[];
  typeProp?: string;
  widget?: string;
  lang?: string;
  configType?: string;
  hidden?: boolean;
}

export interface Spec {
  type: string;
  category: string;
  color: string;
  icon?: string;
  paletteLabel?: string;
  labelProp?: string;
  inputs: number;
  outputs: number;
  outputsFrom?: string;
  config?: boolean;
  button?: '' | 'inject' | 'toggle';
  align?: string;
  props: Prop[];
  credentials?: Prop[];
  help: string;
}

export type Specs = Record<string, Spec>;

/** A validation problem from POST /flows (400 invalid_flows). */
export interface Problem {
  node: string;
  type?: string;
  field?: string;
  reason: string;
  /** "warning": deployed, and the node reports it when it starts or runs. */
  severity?: 'error' | 'warning';
}
