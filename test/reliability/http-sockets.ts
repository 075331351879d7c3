/** Raw TCP clients for the hostile-HTTP tests: what a misbehaving client does that fetch will not. */
import { connect, type Socket } from 'node:net';

/** What a raw exchange ended with: everything the server sent, and the socket error if any. */
export interface RawExchange {
  readonly response: string;
  readonly error: string | null;
}

/**
 * Sends `head` and then `bodyBytes` bytes of `fill` in 1 MiB chunks, reads until the server
 * closes, and reports what came back. The whole body is written even after an early answer,
 * as curl or a proxy would.
 */
export function sendLargeBody(port: number, head: string, bodyBytes: number, fill = 0x20): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let error: string | null = null;
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    socket.on('error', (e) => (error = e.message));
    socket.on('close', () => resolve({ response, error }));
    socket.write(head);
    const chunk = Buffer.alloc(1024 * 1024, fill);
    let sent = 0;
    const pump = (): void => {
      while (sent < bodyBytes && !socket.destroyed) {
        const n = Math.min(chunk.length, bodyBytes - sent);
        sent += n;
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/** A slowloris client: sends a request line and then one header byte every `everyMs`, forever. */
export interface SlowClient {
  /** Resolves with what the server sent once the server closes the connection. */
  readonly closed: Promise<string>;
  /** Bytes sent so far. */
  sent(): number;
  /** Ends the client (cleanup). */
  destroy(): void;
}

/** Starts a {@link SlowClient} against `port`. */
export function slowClient(port: number, everyMs: number): SlowClient {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  let sent = 0;
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', () => {});
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  const timer = setInterval(() => {
    if (socket.writable) {
      socket.write('a');
      sent++;
    }
  }, everyMs);
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    }),
  );
  return { closed, sent: () => sent, destroy: () => socket.destroy() };
}

/** Opens a keep-alive connection, makes one request, and resolves when the server closes it. */
export function idleAfterOneRequest(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  });
}
