// Model: a Graph plus the ModelProto fields around it.

import type { Graph } from './graph.js';

export interface Model {
  graph: Graph;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  /** metadata_props, in order. */
  metadata: Map<string, string>;
  /** ModelProto fields pare does not model (functions, training_info, unknown fields), encoded. */
  extra: Uint8Array | undefined;
  /** File the model was read from, for error messages and relative external data. */
  path: string | undefined;
}

export function createModel(graph: Graph, fields: Partial<Omit<Model, 'graph'>> = {}): Model {
  return {
    graph,
    irVersion: fields.irVersion ?? 8,
    producerName: fields.producerName ?? 'pare',
    producerVersion: fields.producerVersion ?? '0.1.0',
    domain: fields.domain ?? '',
    modelVersion: fields.modelVersion ?? 0,
    docString: fields.docString ?? '',
    metadata: fields.metadata ?? new Map(),
    extra: fields.extra,
    path: fields.path,
  };
}

/** A shallow copy whose graph is a clone: safe to transform without touching the original. */
export function cloneModel(model: Model): Model {
  return { ...model, graph: model.graph.clone(), metadata: new Map(model.metadata) };
}
