// A lean HTTP/1.1 load generator for the append benchmark: keep-alive connections over
// loopback, each with one request in flight, requests written as prepared bytes and answers
// parsed only as far as the status line and Content-Length.
//
// Why not undici or autocannon: the load generator shares this machine's two cores with the
// server, so every microsecond it spends is taken from the server being measured. Against a
// bare Node server answering a canned 900-byte reply, undici's Pool spent 58 µs of CPU a
// request, autocannon 45 µs, and this 20 µs (bench/README.md).
import { connect, type Socket } from 'node:net';

export interface LoadResult {
  readonly elapsedMs: number;
  /** Per request, in the order answers arrived. */
  readonly latenciesMs: Float64Array;
  /** Answers by HTTP status. */
  readonly statuses: ReadonlyMap<number, number>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** POSTs every body once to `url` + `path`, over `connections` keep-alive connections. */
export async function postAll(url: string, path: string, bodies: readonly Uint8Array[], connections: number): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  // Every request is written out before the clock starts, as a load generator prepares them.
  const requests = bodies.map((body) =>
    Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]),
  );
  const latencies = new Float64Array(bodies.length);
  const statuses = new Map<number, number>();
  let next = 0;
  let answered = 0;
  const start = performance.now();

  const runConnection = (socket: Socket): Promise<void> =>
    new Promise((resolve, reject) => {
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = (): void => {
        if (next >= bodies.length) {
          socket.end();
          resolve();
          return;
        }
        sentAt = performance.now();
        socket.write(requests[next++]!);
      };
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const headerEnd = pending.indexOf(HEADER_END);
        if (headerEnd < 0) return;
        const head = pending.toString('latin1', 0, headerEnd);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (length === null) {
          reject(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
          socket.destroy();
          return;
        }
        const total = headerEnd + 4 + Number(length[1]);
        if (pending.length < total) return;
        if (pending.length > total) {
          reject(new Error('an answer arrived before its request was sent'));
          socket.destroy();
          return;
        }
        pending = Buffer.alloc(0);
        const status = Number(head.slice(9, 12));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        latencies[answered++] = performance.now() - sentAt;
        send();
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('the server closed a connection')));
      socket.once('connect', send);
    });

  await Promise.all(Array.from({ length: Math.min(connections, bodies.length) }, () => runConnection(connect({ host, port: Number(port), noDelay: true }))));
  return { elapsedMs: performance.now() - start, latenciesMs: latencies.subarray(0, answered), statuses };
}
