import type { FetchedBatch } from './sync-engine';

/** One page of a source, the cursor after it, and how to read the page after it. */
export interface SourcePage<TRaw, TCursor> {
  records: TRaw[];
  cursor: TCursor;
  next?: () => Promise<SourcePage<TRaw, TCursor>>;
}

/**
 * Turns a chain of pages into batches of at least `minRecords` records, and reads up to
 * `aheadBatches` batches ahead while the runner saves, so that the source and the database work
 * at the same time (under a CRM's rate limit every moment without a request in flight is budget
 * lost, and a slow save must not hold the requests back) and a batch costs one transaction per
 * `minRecords` records instead of one per page.
 *
 * If a page fails, the records already read are yielded first (their cursor is committed), then
 * the error is thrown: a DAILY 429 or a shutdown loses no page that was read. When the consumer
 * stops early, the reader stops after the page in flight.
 */
export async function* readAhead<TRaw, TCursor>(
  first: Promise<SourcePage<TRaw, TCursor>>,
  minRecords: number,
  aheadBatches = 5,
): AsyncIterable<FetchedBatch<TRaw, TCursor>> {
  const buffer: Array<SourcePage<TRaw, TCursor>> = [];
  let buffered = 0;
  let failure: { error: unknown } | undefined;
  let finished = false;
  let stopped = false;
  let dataReady: (() => void) | undefined;
  let spaceFree: (() => void) | undefined;
  const wake = (which: 'data' | 'space') => {
    const resolve = which === 'data' ? dataReady : spaceFree;
    if (which === 'data') dataReady = undefined;
    else spaceFree = undefined;
    resolve?.();
  };

  void (async () => {
    let pending: Promise<SourcePage<TRaw, TCursor>> | undefined = first;
    try {
      while (pending && !stopped) {
        const page: SourcePage<TRaw, TCursor> = await pending;
        buffer.push(page);
        buffered += page.records.length;
        wake('data');
        // A few batches ahead at most: memory stays flat whatever the source's size.
        while (!stopped && buffered >= minRecords * aheadBatches) {
          await new Promise<void>((resolve) => (spaceFree = resolve));
        }
        pending = stopped ? undefined : page.next?.();
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake('data');
    }
  })();

  try {
    for (;;) {
      while (!finished && buffered < minRecords) {
        await new Promise<void>((resolve) => (dataReady = resolve));
      }
      if (buffer.length > 0) {
        const records: TRaw[] = [];
        let cursor = buffer[0].cursor;
        while (buffer.length > 0 && records.length < minRecords) {
          const page = buffer.shift()!;
          for (const r of page.records) records.push(r);
          cursor = page.cursor;
        }
        buffered -= records.length;
        wake('space');
        yield { records, cursor };
      } else if (failure) {
        throw failure.error;
      } else {
        return;
      }
    }
  } finally {
    stopped = true;
    wake('space');
  }
}
