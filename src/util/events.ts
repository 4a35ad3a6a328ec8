// The event vocabulary long library calls report progress in (pruneModel, trainModel,
// compressModel, sensitivity): plain data with a `kind`, never printed by the library. The CLI
// renders them as a progress line on a terminal, or as NDJSON with --json where a command streams.

/** What the call is doing now, in one line ('scoring channels (l1)'). */
export interface StatusEvent {
  readonly kind: 'status';
  readonly text: string;
}

/** Progress through countable work: `done` of `total` `what` (layers timed, evaluations run). */
export interface CountEvent {
  readonly kind: 'count';
  readonly what: string;
  readonly done: number;
  readonly total: number;
}

/** Receives a call's events; calls take it as `onEvent`. */
export type EventSink<E extends { readonly kind: string }> = (event: E) => void;
