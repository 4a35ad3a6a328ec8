// Where the CLI writes: injectable so integration tests can capture output without spawning.

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
}

/** Streams whose reader went away (EPIPE): later output to them is dropped, not an error. */
const closed = new Set<NodeJS.WriteStream>();

export function closeStream(stream: NodeJS.WriteStream): void {
  closed.add(stream);
}

function write(stream: NodeJS.WriteStream, text: string): void {
  if (closed.has(stream) || stream.destroyed) return;
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

export const processIO: CliIO = {
  out: (text) => write(process.stdout, text),
  err: (text) => write(process.stderr, text),
  get isTTY() {
    return Boolean(process.stdout.isTTY);
  },
};

/** Captures output in memory (tests). */
export function memoryIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), isTTY: false };
}
