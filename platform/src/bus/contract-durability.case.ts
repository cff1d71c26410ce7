/**
 * Contract cases for durability and shutdown: groups outlive their members and their
 * process, a group registered without a member keeps what is published for it, `stop()` drains, and a re-published event id is not queued twice.
 */
import assert from 'node:assert/strict';
import { record, sleep, waitFor, type ContractContext } from './contract-support.ts';

export function durabilityCases(ctx: ContractContext): void {
  const { it, names } = ctx;
  const bus = () => ctx.bus;

  it('a group stopped while events are published receives them when a member starts again', async () => {
    const { root, group } = names('resume');
    const first = await record(bus(), { group, subjects: [`${root}.>`] });
    await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 'before' }]);
    await waitFor('the first event', () => first.recorder.received.length === 1);
    await first.consumer.stop();
    const missed = await bus().publish([1, 2, 3].map((n) => ({ type: 'x', subject: `${root}.x`, payload: n })));
    const second = await record(bus(), { group, subjects: [`${root}.>`] });
    await waitFor('the missed events', () => second.recorder.received.length >= 3);
    assert.deepEqual(second.recorder.ids(), missed.map((e) => e.id));
    await second.consumer.stop();
  });

  it('a node that was down receives the broadcast events published meanwhile', async () => {
    const { root, group } = names('restart');
    const node = await ctx.fixture.open(7);
    await (await node.consume({ group, subjects: [`${root}.>`], mode: 'broadcast', handler: () => {} })).stop();
    await node.close();
    const published = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 'while down' }]);
    const restarted = await ctx.fixture.open(7);
    const { consumer, recorder } = await record(restarted, { group, subjects: [`${root}.>`], mode: 'broadcast' });
    await waitFor('the event published while down', () => recorder.received.length === 1);
    assert.equal(recorder.received[0]?.event.id, published[0]?.id);
    await consumer.stop();
  });

  it('a group does not receive events published before it first registered', async () => {
    const { root, group } = names('late');
    await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 'too early' }]);
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`] });
    await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 'in time' }]);
    await waitFor('the later event', () => recorder.received.length >= 1);
    await sleep(100);
    assert.deepEqual(
      recorder.received.map((r) => r.event.payload),
      ['in time'],
    );
    await consumer.stop();
  });

  it('a group registered with registerGroup before any member ran receives what was published meanwhile', async () => {
    const { root, group } = names('registered');
    const options = { group, subjects: [`${root}.>`], ackTimeoutMs: 5_000, maxDeliver: 3 };
    assert.equal(await bus().registerGroup(options), group);
    assert.equal(await bus().registerGroup(options), group, 'registering again is harmless');
    const published = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 'before any member' }]);
    const { consumer, recorder } = await record(bus(), options);
    await waitFor('the event published before the first member', () => recorder.received.length === 1);
    assert.equal(recorder.received[0]?.event.id, published[0]?.id);
    await sleep(100);
    assert.equal(recorder.received.length, 1);
    await consumer.stop();
  });

  it('stop waits for the handler in flight and sends its acks', async () => {
    const { root, group } = names('drain');
    let finished = false;
    let started = false;
    const consumer = await bus().consume({
      group,
      subjects: [`${root}.>`],
      ackTimeoutMs: 200,
      handler: async (deliveries) => {
        started = true;
        await sleep(150);
        for (const d of deliveries) d.ack();
        finished = true;
      },
    });
    await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await waitFor('the handler to start', () => started);
    await consumer.stop();
    assert.equal(finished, true, 'stop resolved only after the handler');
    const again = await record(bus(), { group, subjects: [`${root}.>`], ackTimeoutMs: 200 });
    await sleep(400);
    assert.equal(again.recorder.received.length, 0, 'the ack was sent: nothing to redeliver');
    await again.consumer.stop();
  });

  it('re-publishing an event id that is still queued delivers it once', async () => {
    const { root, group } = names('republish');
    await (await bus().consume({ group, subjects: [`${root}.>`], handler: () => {} })).stop();
    const [event] = await bus().publish([{ type: 'x', subject: `${root}.x`, payload: 1 }]);
    await bus().publish([{ ...event!, subject: event!.subject }]);
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`] });
    await waitFor('the event', () => recorder.received.length >= 1);
    await sleep(200);
    assert.deepEqual(recorder.ids(), [event!.id]);
    await consumer.stop();
  });
}
