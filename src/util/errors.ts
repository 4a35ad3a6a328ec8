// pare's one error type: a stable code, what it concerns (file, node, tensor) and hints.
// The CLI formats these; library code throws them and never prints.

export type ErrorCode =
  | 'PARE_BAD_MODEL'
  | 'PARE_TRUNCATED'
  | 'PARE_EXTERNAL_DATA'
  | 'PARE_UNSUPPORTED_OP'
  | 'PARE_SHAPE'
  | 'PARE_GRAPH_INVALID'
  | 'PARE_COUPLING'
  | 'PARE_PLAN'
  | 'PARE_SURGERY'
  | 'PARE_VERIFY'
  | 'PARE_GRADIENT'
  | 'PARE_RUNTIME'
  /** oneDNN (the training addon) failed: exit 1, not reported as a bug in pare */
  | 'PARE_DNNL'
  | 'PARE_DATA'
  | 'PARE_CONFIG'
  | 'PARE_IO'
  | 'PARE_INTERNAL';

export interface NodeRef {
  readonly name: string;
  readonly opType: string;
  readonly domain?: string;
}

export interface PareErrorOptions {
  readonly file?: string;
  readonly node?: NodeRef;
  readonly tensor?: string;
  readonly notes?: readonly string[];
  readonly cause?: unknown;
}

export class PareError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly node: NodeRef | undefined;
  readonly tensor: string | undefined;
  readonly notes: readonly string[];

  constructor(code: ErrorCode, message: string, options: PareErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PareError';
    this.code = code;
    this.file = options.file;
    this.node = options.node;
    this.tensor = options.tensor;
    this.notes = options.notes ?? [];
  }

  /** True for bugs in pare itself (exit code 2) rather than bad input (exit code 1). */
  get isInternal(): boolean {
    return this.code === 'PARE_INTERNAL';
  }
}

/** `Conv 'layer1.conv'` — the prefix every node-related message starts with. */
export function describeNode(node: NodeRef): string {
  return `${node.opType} '${node.name}'`;
}

/** Internal invariant: a failure here is a bug in pare, not bad input. */
export function assert(condition: unknown, message: () => string): asserts condition {
  if (!condition) {
    throw new PareError('PARE_INTERNAL', message(), {
      notes: ['This is a bug in pare; please report it with the model and the command.'],
    });
  }
}
