import { QueueService } from '../../src/platform/jobs/queue.service';
import { startTestApp, TestApp } from '../support/test-app';

/** A promise resolved from outside, so tests wait for events, never for time. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('The job queue (pg-boss)', () => {
  let t: TestApp;
  const seen: string[] = [];
  const waiting = new Map<string, (v: string) => void>();

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.get(QueueService).register<{ label: string }>('test-jobs', async (data) => {
      seen.push(data.label);
      waiting.get(data.label)?.(data.label);
    });
  });
  afterAll(() => t.close());

  const processed = (label: string) => {
    const d = deferred<string>();
    waiting.set(label, d.resolve);
    return d.promise;
  };

  it('runs a job sent outside a transaction', async () => {
    const done = processed('plain');
    await t.app.get(QueueService).send('test-jobs', { label: 'plain' });
    await expect(done).resolves.toBe('plain');
  });

  it('enqueues with the transaction: a rolled-back job never exists, a committed one runs once', async () => {
    const queue = t.app.get(QueueService);
    let rolledBackId: string | null = null;
    await expect(
      t.dataSource.transaction(async (manager) => {
        rolledBackId = await queue.send('test-jobs', { label: 'rolled-back' }, { manager });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(rolledBackId).toEqual(expect.any(String));
    expect(await queue.getJob('test-jobs', rolledBackId!)).toBeNull();

    const done = processed('committed');
    const id = await t.dataSource.transaction((manager) =>
      queue.send('test-jobs', { label: 'committed' }, { manager }),
    );
    await expect(done).resolves.toBe('committed');
    expect(await queue.getJob('test-jobs', id!)).not.toBeNull();
    // The job that marks the end of the queue: once it ran, everything sent before it has too.
    const fence = processed('fence');
    await queue.send('test-jobs', { label: 'fence' });
    await fence;
    expect(seen.filter((l) => l === 'committed')).toHaveLength(1);
    expect(seen).not.toContain('rolled-back');
  });

  it('refuses to send to an undeclared queue', async () => {
    await expect(t.app.get(QueueService).send('nope', {})).rejects.toThrow(
      'Queue nope is not registered',
    );
  });
});
