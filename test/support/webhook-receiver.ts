import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A webhook receiver on loopback that records what it gets and answers with a chosen status. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  status = 200;
  private server?: Server;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(public port = 0) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** A free port, to start a receiver on later (the "receiver is down" phase). */
  static async freePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    return port;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        res
          .writeHead(this.status, { 'content-type': 'text/plain' })
          .end(this.status < 300 ? 'ok' : 'nope');
        this.waiters = this.waiters.filter((w) => {
          if (this.received.length >= w.count) w.resolve();
          return this.received.length < w.count;
        });
      });
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves once `count` requests have arrived (an event, not a timer). */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = undefined;
  }
}
