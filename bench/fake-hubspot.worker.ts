/**
 * The fake HubSpot of the sync benchmark on its own thread, as a real CRM would be on its own
 * machine: its JSON encoding must not be charged to the engine. Answers the bench's messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakeHubSpot, fakeContact, fakeDeal, FakeRateLimit } from '../test/support/fake-hubspot';

export interface FakeWorkerData {
  token: string;
  contacts: number;
  deals: number;
  updatedAt: string;
}

export type FakeWorkerCommand =
  | { cmd: 'limit'; limit: FakeRateLimit | null }
  | { cmd: 'requests' }
  | { cmd: 'stop' };

/** Arrival times of the accepted requests, and how many got a 429. */
export interface FakeRequestLog {
  accepted: number[];
  rejected: number;
}

async function main(): Promise<void> {
  const data = workerData as FakeWorkerData;
  const fake = new FakeHubSpot(data.token);
  for (let i = 0; i < data.contacts; i++) fake.put('contacts', fakeContact(i, data.updatedAt));
  for (let i = 0; i < data.deals; i++) fake.put('deals', fakeDeal(i, data.updatedAt));
  await fake.start();
  parentPort!.on('message', async (msg: FakeWorkerCommand & { id: number }) => {
    let result: unknown = null;
    if (msg.cmd === 'limit') {
      fake.enforceRateLimit(msg.limit);
      fake.requests.length = 0;
    } else if (msg.cmd === 'requests') {
      const log: FakeRequestLog = { accepted: [], rejected: 0 };
      for (const r of fake.requests) {
        if (r.status === 429) log.rejected++;
        else log.accepted.push(r.at);
      }
      result = log;
    } else if (msg.cmd === 'stop') {
      await fake.stop();
    }
    parentPort!.postMessage({ id: msg.id, result });
  });
  parentPort!.postMessage({ ready: fake.url });
}

void main();
