// A lean HTTP/1.1 load generator for the append benchmark: keep-alive connections over
// loopback, each with one request in flight, requests written as prepared bytes and answers
// parsed only as far as the status line and Content-Length.
//
// Why not undici or autocannon: the load generator shares this machine's two cores with the
// server, so every microsecond it spends is taken from the server being measured. Against a
// bare Node server answering a canned 900-byte reply, undici's Pool spent 58 µs of CPU a
// request, autocannon 45 µs, and this 20 µs (bench/README.md).
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface LoadOptions {
  /** Keep-alive connections, each with at most one request in flight. */
  connections: number;
  /**
   * Requests a second, open loop: request i is due i/rate seconds after the start, whatever
   * became of the ones before it, and its latency counts from when it was due, so time spent
   * waiting for a free connection counts too (no coordinated omission). Absent: closed loop,
   * every connection sends the next request as soon as it has its answer.
   */
  rate?: number;
}

export interface LoadResult {
  readonly elapsedMs: number;
  /** Per request, in the order answers arrived. */
  readonly latenciesMs: Float64Array;
  /** Answers by HTTP status. */
  readonly statuses: ReadonlyMap<number, number>;
}

/**
 * At most `wanted` connections, leaving room under this process's open-file limit (Linux's
 * /proc/self/limits; 1,024 where it cannot be read, a common default). The server, a process
 * of its own, needs as many descriptors as this one.
 */
export function connectionsWithin(wanted: number): number {
  let limit = 1024;
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line !== null) limit = Number(line[1]);
  } catch {
    // Not Linux: keep the common default.
  }
  return Math.max(1, Math.min(wanted, limit - 128));
}

const HEADER_END = Buffer.from('\r\n\r\n');
// Node writes header names in the case they were given; the log's server gives this one.
const CONTENT_LENGTH = Buffer.from('\r\ncontent-length: ');
const EMPTY = Buffer.alloc(0);

/** POSTs every body once to `url` + `path`. */
export async function postAll(url: string, path: string, bodies: readonly Uint8Array[], options: LoadOptions): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  // Every request is written out before the clock starts, as a load generator prepares them.
  const requests = bodies.map((body) =>
    Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]),
  );
  const latencies = new Float64Array(bodies.length);
  const statuses = new Map<number, number>();
  const idle: Connection[] = [];
  let next = 0;
  let answered = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let start = 0;
  let fail!: (e: Error) => void;
  let finish!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  /** Hands every request that is due to an idle connection; waits for the next one that is not. */
  const pump = (): void => {
    timer = undefined;
    while (next < requests.length && idle.length > 0) {
      const now = performance.now();
      const due = options.rate === undefined ? now : start + (next / options.rate) * 1000;
      if (due > now + 1) {
        timer ??= setTimeout(pump, due - now);
        return;
      }
      const connection = idle.pop()!;
      if (!connection.closed) connection.send(requests[next++]!, due);
    }
  };
  const onAnswer = (connection: Connection, status: number, latencyMs: number): void => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    latencies[answered++] = latencyMs;
    if (answered === requests.length) finish();
    idle.push(connection);
    if (timer === undefined) pump();
  };

  const count = Math.min(options.connections, requests.length);
  const connections = await Promise.all(Array.from({ length: count }, () => Connection.open(host, Number(port), onAnswer, (e) => fail(e))));
  try {
    start = performance.now();
    idle.push(...connections);
    pump();
    await done;
    return { elapsedMs: performance.now() - start, latenciesMs: latencies.subarray(0, answered), statuses };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    for (const c of connections) c.close();
  }
}

/** One keep-alive connection with at most one request in flight. */
class Connection {
  private pending: Buffer = EMPTY;
  private sentAt = 0;
  private closing = false;
  private inFlight = false;
  /** The socket is closed (by either side): the pool skips it. */
  closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly onAnswer: (connection: Connection, status: number, latencyMs: number) => void,
    private readonly onError: (e: Error) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (e) => this.onError(e));
    socket.on('close', () => {
      // A server may close a keep-alive connection that stayed idle (the log's after 5 s):
      // the pool just stops using it. Closing one with a request in flight is a failure.
      this.closed = true;
      if (!this.closing && this.inFlight) this.onError(new Error('the server closed a connection with a request in flight'));
    });
  }

  static open(host: string, port: number, onAnswer: Connection['onAnswer'], onError: Connection['onError']): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once('connect', () => resolve(new Connection(socket, onAnswer, onError)));
      socket.once('error', reject);
    });
  }

  /** Sends a prepared request; its latency counts from `since` (performance.now() time). */
  send(request: Buffer, since: number): void {
    this.sentAt = since;
    this.inFlight = true;
    this.socket.write(request);
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    if (!this.inFlight) {
      // Unasked: a server's goodbye to an idle connection (Node's 408 before it closes one).
      this.closed = true;
      this.socket.destroy();
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const headerEnd = this.pending.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    // Read from the bytes: the status digits at 9..11, and the Content-Length value.
    const at = this.pending.indexOf(CONTENT_LENGTH);
    if (at < 0 || at > headerEnd) return this.onError(new Error(`an answer without Content-Length: ${this.pending.toString('latin1', 0, 12)}`));
    let length = 0;
    for (let i = at + CONTENT_LENGTH.length; this.pending[i]! >= 0x30 && this.pending[i]! <= 0x39; i++) length = length * 10 + this.pending[i]! - 0x30;
    const total = headerEnd + 4 + length;
    if (this.pending.length < total) return;
    if (this.pending.length > total) return this.onError(new Error('an answer arrived before its request was sent'));
    const status = (this.pending[9]! - 0x30) * 100 + (this.pending[10]! - 0x30) * 10 + (this.pending[11]! - 0x30);
    this.pending = EMPTY;
    this.inFlight = false;
    this.onAnswer(this, status, performance.now() - this.sentAt);
  }
}
