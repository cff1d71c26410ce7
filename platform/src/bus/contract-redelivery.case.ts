/**
 * Contract cases for failure: nak and ack-timeout redelivery, progress reports that hold
 * the ack timeout off, a throwing handler, and the dead-letter store (after `maxDeliver` attempts, listing, counting and retrying).
 */
import assert from 'node:assert/strict';
import { record, sleep, waitFor, type ContractContext } from './contract-support.ts';
import type { DeadLetter, Delivery } from './interface.ts';

export function redeliveryCases(ctx: ContractContext): void {
  const { it, names } = ctx;
  const bus = () => ctx.bus;

  /** Every dead letter of `group`, paging through the whole store. */
  async function deadLettersOf(group: string): Promise<DeadLetter[]> {
    const found: DeadLetter[] = [];
    let cursor: string | null = null;
    do {
      const page = await bus().listDeadLetters({ limit: 50, cursor });
      found.push(...page.items.filter((d) => d.group === group));
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  }

  it('nak redelivers the event with attempt 2', async () => {
    const { root, group } = names('nak');
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`] });
    recorder.decide = (d) => (d.attempt === 1 ? d.nak() : d.ack());
    const [event] = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await waitFor('the redelivery', () => recorder.received.length >= 2);
    assert.deepEqual(recorder.attemptsOf(event!.id), [1, 2]);
    await consumer.stop();
  });

  it('nak with a delay holds the redelivery back for that long', async () => {
    const { root, group } = names('nak-delay');
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`] });
    recorder.decide = (d) => (d.attempt === 1 ? d.nak(300) : d.ack());
    await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await waitFor('the redelivery', () => recorder.received.length >= 2);
    const [first, second] = recorder.received;
    assert.ok(second!.at - first!.at >= 250, `redelivered after ${second!.at - first!.at} ms`);
    await consumer.stop();
  });

  it('an event not acked within ackTimeoutMs is delivered again', async () => {
    const { root, group } = names('timeout');
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`], ackTimeoutMs: 250 });
    recorder.decide = (d) => (d.attempt === 1 ? undefined : d.ack());
    const [event] = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await waitFor('the redelivery', () => recorder.received.length >= 2);
    assert.deepEqual(recorder.attemptsOf(event!.id), [1, 2]);
    assert.ok(recorder.received[1]!.at - recorder.received[0]!.at >= 200);
    await sleep(350);
    assert.equal(recorder.received.length, 2, 'acked on attempt 2: no third delivery');
    await consumer.stop();
  });

  it('a delivery whose handler reports inProgress is not redelivered past its ack timeout, to any member', async () => {
    const { root, group } = names('in-progress');
    const seen: { id: string; attempt: number }[] = [];
    // A long job: it reports progress every 100 ms for four ack timeouts, then acks.
    const handler = async (deliveries: Delivery[]) => {
      for (const d of deliveries) {
        seen.push({ id: d.event.id, attempt: d.attempt });
        for (let i = 0; i < 10; i++) {
          await sleep(100);
          d.inProgress();
        }
        d.ack();
        d.inProgress(); // after settling: a no-op
      }
    };
    // Two members: a redelivery would reach the idle one while the other is busy.
    const members = await Promise.all([0, 1].map(() => bus().consume({ group, subjects: [`${root}.>`], ackTimeoutMs: 250, batchSize: 1, handler })));
    const [event] = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await waitFor('the first delivery', () => seen.length >= 1);
    await sleep(1_300);
    assert.deepEqual(seen, [{ id: event!.id, attempt: 1 }], 'delivered once, never redelivered while in progress');
    await Promise.all(members.map((m) => m.stop()));
  });

  it('a handler that throws naks only the deliveries it did not ack', async () => {
    const { root, group } = names('throw');
    // Registered, then stopped: the events wait together. A broker may still hand them
    // over across several calls (NATS sends them in as many socket writes as it likes),
    // so the call that throws is the first to hold two or more.
    await (await bus().consume({ group, subjects: [`${root}.>`], handler: () => {} })).stop();
    const events = await bus().publish([0, 1, 2, 3, 4, 5].map((n) => ({ type: 'x', subject: `${root}.x`, payload: n })));
    let thrownCall: string[] | undefined;
    const seen: { id: string; attempt: number }[] = [];
    const consumer = await bus().consume({
      group,
      subjects: [`${root}.>`],
      handler: (deliveries) => {
        for (const d of deliveries) seen.push({ id: d.event.id, attempt: d.attempt });
        if (!thrownCall && deliveries.length >= 2) {
          thrownCall = deliveries.map((d) => d.event.id);
          deliveries[0]?.ack();
          throw new Error('half done');
        }
        for (const d of deliveries) d.ack();
      },
    });
    const expected = () => events.length + (thrownCall ? thrownCall.length - 1 : 0);
    await waitFor('the redeliveries', () => seen.length >= expected());
    await sleep(200);
    assert.ok(thrownCall, 'some call held two deliveries or more');
    assert.deepEqual(
      seen.filter((s) => s.attempt === 2).map((s) => s.id),
      thrownCall.slice(1),
    );
    assert.equal(seen.length, expected(), 'the acked delivery is not redelivered');
    assert.deepEqual(new Set(seen.map((s) => s.id)), new Set(events.map((e) => e.id)));
    await consumer.stop();
  });

  it('an always-failing event is dead-lettered after maxDeliver attempts with its error, and retryDeadLetter redelivers it', async () => {
    const { root, group } = names('poison');
    const before = await bus().countDeadLetters();
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`], maxDeliver: 3 });
    recorder.decide = () => {
      throw new Error('boom: cannot transcode');
    };
    const [event] = await bus().publish([{ type: 'transcode', subject: `${root}.transcode`, payload: { videoId: 'v9' } }]);
    await waitFor('the dead letter', async () => (await bus().countDeadLetters()) === before + 1);
    await sleep(300);
    assert.deepEqual(recorder.attemptsOf(event!.id), [1, 2, 3], 'never delivered after the last attempt');
    const [letter] = await deadLettersOf(group);
    assert.ok(letter);
    assert.deepEqual(letter.event, event);
    assert.equal(letter.attempts, 3);
    assert.match(letter.lastError, /boom: cannot transcode/);
    assert.ok(letter.deadAt >= event!.publishedAt);
    assert.ok((await bus().stats()).deadLetters >= 1);

    recorder.decide = (d) => d.ack();
    assert.equal(await bus().retryDeadLetter(letter.id), true);
    await waitFor('the retried delivery', () => recorder.received.length >= 4);
    assert.equal(recorder.received[3]?.event.id, event!.id);
    assert.equal(recorder.received[3]?.attempt, 1);
    assert.equal(await bus().countDeadLetters(), before);
    assert.equal(await bus().retryDeadLetter(letter.id), false);
    assert.equal(await bus().retryDeadLetter('not-an-id'), false);
    await consumer.stop();
  });

  it('an event whose last attempt times out is dead-lettered with the timeout as the reason', async () => {
    const { root, group } = names('silent');
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`], maxDeliver: 2, ackTimeoutMs: 200 });
    recorder.decide = () => {};
    const [event] = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await waitFor('the dead letter', async () => (await deadLettersOf(group)).length === 1);
    const [letter] = await deadLettersOf(group);
    assert.equal(letter?.event.id, event!.id);
    assert.equal(letter?.attempts, 2);
    assert.match(letter?.lastError ?? '', /not acknowledged within 200 ms/);
    assert.deepEqual(recorder.attemptsOf(event!.id), [1, 2]);
    await consumer.stop();
  });

  it('retryDeadLetter redelivers only to the group the event failed in', async () => {
    const { root, group } = names('retry-target');
    const failing = await record(bus(), { group: `${group}-failing`, subjects: [`${root}.>`], maxDeliver: 1 });
    const healthy = await record(bus(), { group: `${group}-healthy`, subjects: [`${root}.>`] });
    failing.recorder.decide = (d) => d.nak();
    const [event] = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await waitFor('the dead letter', async () => (await deadLettersOf(`${group}-failing`)).length === 1);
    const [letter] = await deadLettersOf(`${group}-failing`);
    assert.equal(letter?.lastError, 'nak');
    failing.recorder.decide = (d) => d.ack();
    assert.equal(await bus().retryDeadLetter(letter!.id), true);
    await waitFor('the retried delivery', () => failing.recorder.received.length === 2);
    await sleep(200);
    assert.deepEqual(healthy.recorder.ids(), [event!.id], 'the healthy group saw it once');
    await Promise.all([failing.consumer.stop(), healthy.consumer.stop()]);
  });

  it('lists dead letters newest first, page by page', async () => {
    const { root, group } = names('pages');
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`], maxDeliver: 1 });
    recorder.decide = (d) => d.nak();
    for (let n = 0; n < 3; n++) {
      await bus().publish([{ type: 'x', subject: `${root}.x`, payload: n }]);
      await waitFor('a dead letter', async () => (await deadLettersOf(group)).length === n + 1);
    }
    const pages: DeadLetter[][] = [];
    let cursor: string | null = null;
    do {
      const page = await bus().listDeadLetters({ limit: 2, cursor });
      assert.ok(page.items.length <= 2);
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const all = pages.flat();
    const ids = all.map((d) => BigInt(d.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)), 'newest first across pages');
    assert.equal(new Set(ids).size, ids.length, 'no letter on two pages');
    assert.deepEqual(
      all.filter((d) => d.group === group).map((d) => d.event.payload),
      [2, 1, 0],
    );
    await assert.rejects(bus().listDeadLetters({ limit: 2, cursor: 'forged' }), RangeError);
    await consumer.stop();
  });
}
