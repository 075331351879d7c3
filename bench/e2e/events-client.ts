/**
 * A light load generator for POST bodies: each connection is a raw keep-alive socket that writes
 * a request prepared once (head and body in one buffer), reads the answer's head for its status
 * and Content-Length, skips the body, and sends the next, so the client's CPU goes to the socket
 * and not to building requests. Run in a process of its own (http-events.ts spawns it), it
 * reports its own CPU seconds beside the count, so a result shows whether the generator or the
 * server was the bottleneck.
 *
 *   node bench/e2e/events-client.ts URL PATH CONTENT_TYPE CONNECTIONS SECONDS BODY_FILE... [--token T]
 *
 * prints one JSON line: requests, non2xx, errors, p50_ms, p99_ms, cpu_s (user + system).
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** A request ready to write: its head and body as one buffer. */
function prepared(host: string, path: string, type: string, body: Buffer, token: string | null): Buffer {
  const head =
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n` +
    `${token ? `Authorization: Bearer ${token}\r\n` : ''}Connection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const CRLF2 = Buffer.from('\r\n\r\n');
const LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** Runs `connections` sockets for `seconds`, each cycling through `requests`. */
export async function run(url: string, requests: readonly Buffer[], connections: number, seconds: number): Promise<object> {
  const { hostname, port } = new URL(url);
  const latencies: number[] = [];
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  const stopAt = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const one = (c: number) =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect(Number(port), hostname);
      socket.setNoDelay(true);
      let next = c % requests.length;
      let pending: Buffer | null = null;
      let need = -1;
      let sentAt = 0;
      const send = () => {
        if (performance.now() >= stopAt) {
          socket.end();
          resolve();
          return;
        }
        sentAt = performance.now();
        socket.write(requests[next]!);
        next = (next + 1) % requests.length;
      };
      socket.on('connect', send);
      socket.on('error', () => {
        errors++;
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        pending = pending ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          if (need < 0) {
            const end = pending.indexOf(CRLF2);
            if (end < 0) return;
            const head = pending.toString('latin1', 0, end);
            const status = Number(head.slice(9, 12));
            if (status < 200 || status > 299) non2xx++;
            need = end + 4 + Number(LENGTH.exec(head)?.[1] ?? 0);
          }
          if (pending.length < need) return;
          pending = pending.length === need ? null : pending.subarray(need);
          need = -1;
          done++;
          latencies.push(performance.now() - sentAt);
          send();
          if (pending === null) return;
        }
      });
    });
  await Promise.all(Array.from({ length: connections }, (_, c) => one(c)));
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN).toFixed(1));
  return { requests: done, non2xx, errors, p50_ms: at(0.5), p99_ms: at(0.99), cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)) };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--token');
  const token = t >= 0 ? args.splice(t, 2)[1]! : null;
  const [url, path, type, connections, seconds, ...files] = args;
  const host = new URL(url!).host;
  const requests = files.map((f) => prepared(host, path!, type!, readFileSync(f), token));
  process.stdout.write(`${JSON.stringify(await run(url!, requests, Number(connections), Number(seconds)))}\n`);
}
