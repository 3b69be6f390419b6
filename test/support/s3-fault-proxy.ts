/**
 * An HTTP proxy on 127.0.0.1 in front of an S3 endpoint (s3rver in the tests) that harms a seeded
 * share of the requests passing through it, the way a flaky network and an overloaded S3 do:
 * - `delayed`: held for a while, then forwarded;
 * - `dropped`: the connection is closed without an answer, either before the request reaches S3 or
 *   after S3 has carried it out (a PUT that happened but whose answer was lost);
 * - `unavailable`: answered `503 SlowDown` without reaching S3.
 * Clients point S3_ENDPOINT at `endpoint`; `counts()` says what was done to how many requests.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { seededRandom } from '@spatialforge/geometry';

export type FaultKind = 'delayed' | 'dropped' | 'unavailable';

export interface FaultProxyOptions {
  /** The real endpoint, e.g. `http://127.0.0.1:41234`. */
  target: string;
  seed: number;
  /** Shares of requests (0-1) harmed each way; the rest pass untouched. */
  shares: Record<FaultKind, number>;
  /** Range of an injected delay, milliseconds. @defaultValue [100, 1500] */
  delayMs?: [number, number];
}

export interface FaultCounts extends Record<FaultKind, number> {
  /** Requests seen, harmed or not. */
  requests: number;
  /** Of `dropped`: connections closed after S3 had carried the request out. */
  droppedAfterUpstream: number;
}

export interface FaultProxy {
  /** e.g. `http://127.0.0.1:45678`: give this to clients as their S3 endpoint. */
  endpoint: string;
  /** Faults are injected only while enabled (set-up and read-back can pass untouched). */
  enabled: boolean;
  counts(): FaultCounts;
  close(): Promise<void>;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate (injected by the test proxy).</Message></Error>';

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed);
  const [minDelay, maxDelay] = options.delayMs ?? [100, 1500];
  const counts: FaultCounts = { requests: 0, delayed: 0, dropped: 0, unavailable: 0, droppedAfterUpstream: 0 };
  const sockets = new Set<Socket>();
  let enabled = true;

  const pick = (): FaultKind | undefined => {
    const draw = random();
    let edge = 0;
    for (const kind of ['delayed', 'dropped', 'unavailable'] as const) {
      edge += options.shares[kind];
      if (draw < edge) return kind;
    }
    return undefined;
  };

  const forward = (request: IncomingMessage, response: ServerResponse, onAnswered?: () => void) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        if (onAnswered) {
          // S3 has done the work; the client never hears of it.
          answer.resume();
          answer.once('end', onAnswered);
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  };

  const server: Server = createServer((request, response) => {
    counts.requests++;
    const fault = enabled ? pick() : undefined;
    if (fault) counts[fault]++;
    switch (fault) {
      case undefined:
        return forward(request, response);
      case 'delayed':
        request.pause();
        setTimeout(() => {
          request.resume();
          forward(request, response);
        }, minDelay + random() * (maxDelay - minDelay));
        return;
      case 'dropped':
        if (random() < 0.5) {
          request.socket.destroy();
          return;
        }
        counts.droppedAfterUpstream++;
        return forward(request, response, () => request.socket.destroy());
      case 'unavailable':
        // Read the body first, so the client sees the answer rather than a broken pipe.
        request.resume();
        request.once('end', () => {
          response.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SLOW_DOWN) });
          response.end(SLOW_DOWN);
        });
        return;
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get enabled() {
      return enabled;
    },
    set enabled(value: boolean) {
      enabled = value;
    },
    counts: () => ({ ...counts }),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
