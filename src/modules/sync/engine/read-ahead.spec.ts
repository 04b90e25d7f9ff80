import { readAhead, SourcePage } from './read-ahead';

/** Pages of 3 records numbered from `from`; page `failAt` fails. */
function pages(count: number, failAt = -1, asked: number[] = []) {
  const page = (n: number): Promise<SourcePage<number, number>> => {
    asked.push(n);
    if (n === failAt) return Promise.reject(new Error(`page ${n} failed`));
    return Promise.resolve({
      records: [n * 3, n * 3 + 1, n * 3 + 2],
      cursor: n + 1,
      next: n + 1 < count ? () => page(n + 1) : undefined,
    });
  };
  return page(0);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readAhead', () => {
  it('groups pages into batches of at least minRecords, each with the cursor of its last page', async () => {
    const batches = await collect(readAhead(pages(5), 6));
    expect(batches.map((b) => [b.records.length, b.cursor])).toEqual([
      [6, 2],
      [6, 4],
      [3, 5],
    ]);
    expect(batches.flatMap((b) => b.records)).toEqual([...Array(15).keys()]);
  });

  it('reads ahead while the current batch is being saved, as far as it may', async () => {
    const asked: number[] = [];
    const it = readAhead(pages(20, -1, asked), 6, 2)[Symbol.asyncIterator]();
    await it.next();
    // The consumer holds batch 1 (pages 0-1); the reader goes on with two batches meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([0, 1, 2, 3, 4, 5]);
    await it.return?.(undefined);
  });

  it('yields the records read before a failing page, then throws', async () => {
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const b of readAhead(pages(5, 3), 100)) seen.push(b.cursor);
      })(),
    ).rejects.toThrow('page 3 failed');
    expect(seen).toEqual([3]);
  });
});
