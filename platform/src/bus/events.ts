/**
 * Turning what callers publish into stored events and back: ids, defaults, validation,
 * and the row shape shared by the outbox, the embedded queue and the dead letters.
 */
import { isSnowflake, type SnowflakeGenerator } from '../ids/index.ts';
import type { BusEvent, NewEvent } from './interface.ts';
import { assertSubject } from './subjects.ts';

/** The columns an event occupies in `bus_event`, `outbox` and (renamed) `bus_dead_letter`. */
export interface EventRow {
  id: string;
  type: string;
  subject: string;
  payload: string;
  published_at: number;
}

/** Validates and completes a batch; throws a TypeError on the first bad event, before anything is stored. */
export function prepareEvents(events: readonly NewEvent[], ids: SnowflakeGenerator, now = Date.now()): BusEvent[] {
  return events.map((e) => {
    if (typeof e.type !== 'string' || e.type.length === 0) throw new TypeError('event type must be a non-empty string');
    const subject = e.subject ?? e.type;
    assertSubject(subject);
    if (e.id !== undefined && !isSnowflake(e.id)) throw new TypeError(`event id "${e.id}" is not a Snowflake id`);
    return { id: e.id ?? ids.next(), type: e.type, subject, payload: e.payload ?? null, publishedAt: e.publishedAt ?? now };
  });
}

export function toEventRow(event: BusEvent): EventRow {
  return { id: event.id, type: event.type, subject: event.subject, payload: JSON.stringify(event.payload), published_at: event.publishedAt };
}

export function fromEventRow(row: EventRow): BusEvent {
  return { id: String(row.id), type: row.type, subject: row.subject, payload: JSON.parse(row.payload), publishedAt: Number(row.published_at) };
}

/** Orders decimal id strings numerically without BigInt: longer is larger, else lexicographic. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Splits `items` into slices of at most `size`, to keep one statement's parameters bounded. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
