// Ctrl-C for commands that can stop cleanly: while `pare train` runs it takes the first SIGINT (main.ts
// asks here before exiting), finishes the step in progress, writes a checkpoint and ends with exit code
// 130 by throwing Interrupted. A second Ctrl-C exits at once, as before.

let current: (() => void) | undefined;

/** Take the next Ctrl-C; returns the function that gives it back. */
export function onInterrupt(handler: () => void): () => void {
  current = handler;
  return () => {
    if (current === handler) current = undefined;
  };
}

/** Called by the SIGINT handler: true when a command took the interrupt (do not exit yet). */
export function interrupt(): boolean {
  const h = current;
  current = undefined;
  h?.();
  return h !== undefined;
}

/** A command stopped by Ctrl-C after saving its work: run() returns 130 (128 + SIGINT). */
export class Interrupted extends Error {
  readonly exitCode = 130;
}
