import type { FetchedBatch } from './sync-engine';

/** One page of a source, the cursor after it, and how to read the page after it. */
export interface SourcePage<TRaw, TCursor> {
  records: TRaw[];
  cursor: TCursor;
  next?: () => Promise<SourcePage<TRaw, TCursor>>;
}

const ignore = () => undefined;

/**
 * Turns a chain of pages into batches of at least `minRecords` records, asking for the next page
 * as soon as the previous one arrives, so that the source is read while the runner saves the
 * batch before (a full HubSpot sync spends about as long waiting for pages as writing them) and
 * a batch costs one transaction per `minRecords` records instead of one per page.
 *
 * If a page fails, the records already read are yielded first (their cursor is committed), then
 * the error is thrown: a DAILY 429 or a shutdown loses no page that was read.
 */
export async function* readAhead<TRaw, TCursor>(
  first: Promise<SourcePage<TRaw, TCursor>>,
  minRecords: number,
): AsyncIterable<FetchedBatch<TRaw, TCursor>> {
  // Handled here when awaited; the no-op keeps a failure of a page nobody awaits any more (the
  // run stopped) from becoming an unhandled rejection.
  let pending: Promise<SourcePage<TRaw, TCursor>> | undefined = first;
  pending.catch(ignore);
  while (pending) {
    const records: TRaw[] = [];
    let cursor: { value: TCursor } | undefined;
    try {
      while (pending && records.length < minRecords) {
        const page: SourcePage<TRaw, TCursor> = await pending;
        pending = page.next?.();
        pending?.catch(ignore);
        for (const r of page.records) records.push(r);
        cursor = { value: page.cursor };
      }
    } catch (err) {
      if (cursor) yield { records, cursor: cursor.value };
      throw err;
    }
    yield { records, cursor: cursor!.value };
  }
}
