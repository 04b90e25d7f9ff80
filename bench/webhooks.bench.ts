/**
 * npm run bench:webhooks
 *
 * Delivers 10,000 events to a receiver on loopback and reports deliveries per second and the time
 * from publish to delivery (p50/p99), then the latency at a steady 100 events/s. In the same run
 * it measures the ceiling: the same HTTP client posting the same number of signed bodies straight
 * to the same receiver, with no database in between. Set DATABASE_URL to run on PostgreSQL.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { WebhooksService } from '../src/modules/webhooks/webhooks.service';
import { sendWebhook } from '../src/modules/webhooks/webhook-sender';
import { EventPublisher } from '../src/platform/events/event-publisher.service';
import { WorkspaceService } from '../src/platform/workspace/workspace.service';
import { fmt, percentile, startBenchApp } from './bench-support';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const STEADY_RATE = 100;
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);
const CONCURRENCY = 64;

async function main(): Promise<void> {
  const arrivals = new Map<string, number>();
  let onArrival: (() => void) | undefined;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = req.headers['webhook-id'] as string;
      if (id && !arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(200).end('ok');
      onArrival?.();
    });
  });
  receiver.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const waitForArrivals = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => arrivals.size >= n && resolve();
      onArrival = check;
      check();
    });

  // Ceiling: the raw HTTP exchange, same client, same body size, same concurrency.
  const body = JSON.stringify({
    id: 'evt_x',
    event: 'build.completed',
    timestamp: new Date().toISOString(),
    data: { counts: { processed: 1 } },
  });
  const target = new URL(url);
  const ceilingStart = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < EVENTS) {
        const n = sent++;
        await sendWebhook(target, ['127.0.0.1'], { 'webhook-id': `ceiling-${n}` }, body, 15_000);
      }
    }),
  );
  const ceilingSeconds = (performance.now() - ceilingStart) / 1000;
  const ceiling = EVENTS / ceilingSeconds;
  arrivals.clear();

  const bench = await startBenchApp({
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_CONCURRENCY: String(CONCURRENCY),
    WEBHOOK_POLL_INTERVAL_MS: '200',
  });
  try {
    const { app } = bench;
    const dataSource = app.get(DataSource);
    const publisher = app.get(EventPublisher);
    const workspace = await app.get(WorkspaceService).ensureDefault('enterprise');
    await app.get(WebhooksService).create(workspace.id, { url, events: ['build.completed'] });
    const payload = (n: number) => ({
      run_id: '00000000-0000-4000-8000-000000000001',
      connection_id: '00000000-0000-4000-8000-000000000002',
      provider: 'bench',
      entity: 'events',
      status: 'succeeded',
      counts: { processed: n, created: n, updated: 0, unchanged: 0, deleted: 0, failed: 0 },
    });
    const published = new Map<string, number>();

    // Throughput: 10,000 events published as fast as the database takes them (100 per transaction).
    const start = performance.now();
    for (let i = 0; i < EVENTS; i += 100) {
      await dataSource.transaction(async (m) => {
        for (let j = i; j < Math.min(EVENTS, i + 100); j++) {
          const e = await publisher.publish(m, workspace.id, 'build.completed', payload(j));
          published.set(e.id, performance.now());
        }
      });
    }
    const publishSeconds = (performance.now() - start) / 1000;
    await waitForArrivals(EVENTS);
    const totalSeconds = (performance.now() - start) / 1000;
    const burstLatency = [...published].map(([id, t]) => arrivals.get(id)! - t);
    const throughput = EVENTS / totalSeconds;

    // Latency at a steady 100 events/s, each in its own transaction.
    arrivals.clear();
    published.clear();
    const steadyCount = STEADY_RATE * STEADY_SECONDS;
    const steadyStart = performance.now();
    for (let i = 0; i < steadyCount; i++) {
      const due = steadyStart + (i * 1000) / STEADY_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const e = await dataSource.transaction((m) =>
        publisher.publish(m, workspace.id, 'build.completed', payload(i)),
      );
      published.set(e.id, performance.now());
    }
    await waitForArrivals(steadyCount);
    const steadyLatency = [...published].map(([id, t]) => arrivals.get(id)! - t);

    const ratio = throughput / ceiling;
    console.log(
      `webhooks benchmark (${bench.database}, ${EVENTS} events, concurrency ${CONCURRENCY})`,
    );
    console.log(`  ceiling: raw signed POSTs to the receiver      ${fmt(ceiling, 0)} req/s`);
    console.log(
      `  delivered through outbox + worker              ${fmt(throughput, 0)} deliveries/s  (ratio ${fmt(ratio, 2)} of the ceiling)`,
    );
    console.log(
      `    publishing took ${fmt(publishSeconds, 2)} s; all delivered after ${fmt(totalSeconds, 2)} s`,
    );
    console.log(
      `    publish -> delivery under that load: p50 ${fmt(percentile(burstLatency, 50), 0)} ms, p99 ${fmt(percentile(burstLatency, 99), 0)} ms`,
    );
    console.log(
      `  steady ${STEADY_RATE} events/s for ${STEADY_SECONDS} s: publish -> delivery p50 ${fmt(percentile(steadyLatency, 50), 1)} ms, p99 ${fmt(percentile(steadyLatency, 99), 1)} ms`,
    );
    console.log(
      JSON.stringify({
        bench: 'webhooks',
        database: bench.database,
        events: EVENTS,
        ceiling_rps: Math.round(ceiling),
        deliveries_per_s: Math.round(throughput),
        ratio: Number(ratio.toFixed(3)),
        burst_p50_ms: Math.round(percentile(burstLatency, 50)),
        burst_p99_ms: Math.round(percentile(burstLatency, 99)),
        steady_p50_ms: Number(percentile(steadyLatency, 50).toFixed(1)),
        steady_p99_ms: Number(percentile(steadyLatency, 99).toFixed(1)),
      }),
    );
  } finally {
    await bench.close();
    receiver.closeAllConnections();
    receiver.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
