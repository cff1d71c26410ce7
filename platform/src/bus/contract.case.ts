/**
 * The behaviour every bus must share, run against the embedded bus (SQLite, PostgreSQL)
 * and NATS JetStream alike: delivery and batching, wildcards, work queues and broadcast
 * here; redelivery and dead letters, outbox and dedupe, durability in the other
 * `contract-*.case.ts` files. Every case uses its own subjects and groups, so cases on
 * one backing store stay independent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isSnowflake, SnowflakeGenerator } from '../ids/index.ts';
import { durabilityCases } from './contract-durability.case.ts';
import { outboxCases } from './contract-outbox.case.ts';
import { redeliveryCases } from './contract-redelivery.case.ts';
import { record, sleep, waitFor, type BusFixture, type ContractContext } from './contract-support.ts';
import type { Bus, Delivery } from './interface.ts';

export type { BusFixture } from './contract-support.ts';

export interface BusContractOptions {
  /** Makes the backing stores for one suite; called once. */
  create: () => Promise<BusFixture>;
  skip?: { reason: string; tests: string[] }[];
}

export function runContract({ create, skip = [] }: BusContractOptions): void {
  let fixture: BusFixture;
  let bus: Bus;
  let counter = 0;
  const skipped = (name: string) => skip.find((s) => s.tests.includes(name))?.reason ?? false;
  const ctx: ContractContext = {
    get bus() {
      return bus;
    },
    get fixture() {
      return fixture;
    },
    names(label) {
      counter++;
      return { root: `c${counter}`, group: `${label}-${counter}` };
    },
    it: (name, fn) => test(name, { skip: skipped(name) }, fn),
  };
  const { it } = ctx;

  before(async () => {
    fixture = await create();
    bus = await fixture.open(1);
  });
  after(() => fixture.close());

  it('answers ping and names itself', async () => {
    await bus.ping();
    assert.ok(bus.name === 'embedded' || bus.name === 'nats');
    assert.equal(typeof bus.capabilities.multiNode, 'boolean');
    assert.equal(bus.nodeId, 1);
  });

  it('delivers a published event to a consumer, which acks it once and for all', async () => {
    const { root, group } = ctx.names('basic');
    const { consumer, recorder } = await record(bus, { group, subjects: [`${root}.>`], ackTimeoutMs: 200 });
    const [published] = await bus.publish([{ type: 'video.uploaded', subject: `${root}.video.uploaded`, payload: { videoId: 'v1', sizes: [1, 2] } }]);
    assert.ok(published && isSnowflake(published.id));
    assert.ok(Math.abs(published.publishedAt - Date.now()) < 5000);
    await waitFor('the delivery', () => recorder.received.length === 1);
    assert.deepEqual(recorder.received[0]?.event, published);
    assert.equal(recorder.received[0]?.attempt, 1);
    await sleep(400);
    assert.equal(recorder.received.length, 1, 'an acked event is not redelivered');
    await consumer.stop();
  });

  it('subject defaults to the type', async () => {
    const { root, group } = ctx.names('default-subject');
    const { consumer, recorder } = await record(bus, { group, subjects: [`${root}.created`] });
    await bus.publish([{ type: `${root}.created`, payload: null }]);
    await waitFor('the delivery', () => recorder.received.length === 1);
    assert.equal(recorder.received[0]?.event.subject, `${root}.created`);
    await consumer.stop();
  });

  it('every delivery carries its own copy of the payload', async () => {
    const { root, group } = ctx.names('copies');
    const a = await record(bus, { group: `${group}-a`, subjects: [`${root}.>`] });
    const b = await record(bus, { group: `${group}-b`, subjects: [`${root}.>`] });
    a.recorder.decide = (d) => {
      (d.event.payload as { tags: string[] }).tags.push('changed by a');
      d.ack();
    };
    const payload = { tags: ['original'] };
    await bus.publish([{ type: 'x', subject: `${root}.x`, payload }]);
    payload.tags.push('changed by the publisher');
    await waitFor('both deliveries', () => a.recorder.received.length === 1 && b.recorder.received.length === 1);
    assert.deepEqual(b.recorder.received[0]?.event.payload, { tags: ['original'] });
    await Promise.all([a.consumer.stop(), b.consumer.stop()]);
  });

  it('delivers a batch of 1,000 complete, in order within the subject, in handler batches', async () => {
    const { root, group } = ctx.names('thousand');
    const { consumer, recorder } = await record(bus, { group, subjects: [`${root}.>`], batchSize: 100 });
    const events = Array.from({ length: 1000 }, (_, n) => ({ type: 'tick', subject: `${root}.tick`, payload: { n } }));
    const published = await bus.publish(events);
    assert.equal(published.length, 1000);
    await waitFor('1,000 deliveries', () => recorder.received.length >= 1000, 10_000);
    assert.deepEqual(
      recorder.received.map((r) => (r.event.payload as { n: number }).n),
      events.map((e) => e.payload.n),
    );
    assert.deepEqual(recorder.ids(), published.map((e) => e.id));
    assert.ok(Math.max(...recorder.batchSizes) <= 100, 'no handler call exceeds batchSize');
    assert.ok(recorder.batchSizes.length < 1000, 'deliveries arrive in batches, not one by one');
    await consumer.stop();
  });

  it('filters subjects with * for one token and > for the rest', async () => {
    const { root, group } = ctx.names('wildcards');
    const star = await record(bus, { group: `${group}-star`, subjects: [`${root}.video.*`] });
    const rest = await record(bus, { group: `${group}-rest`, subjects: [`${root}.chat.>`] });
    const several = await record(bus, { group: `${group}-several`, subjects: [`${root}.other.*`, `${root}.video.uploaded.hd`] });
    const subjects = [`${root}.video.uploaded`, `${root}.video.uploaded.hd`, `${root}.chat.message.c1`, `${root}.chat`, `${root}.other.x`, `${root}.unrelated`];
    await bus.publish(subjects.map((subject) => ({ type: 'probe', subject, payload: subject })));
    const seen = (r: typeof star) => r.recorder.received.map((x) => x.event.subject).sort();
    await waitFor('filtered deliveries', () => star.recorder.received.length >= 1 && rest.recorder.received.length >= 1 && several.recorder.received.length >= 2);
    await sleep(200);
    assert.deepEqual(seen(star), [`${root}.video.uploaded`]);
    assert.deepEqual(seen(rest), [`${root}.chat.message.c1`]);
    assert.deepEqual(seen(several), [`${root}.other.x`, `${root}.video.uploaded.hd`]);
    await Promise.all([star.consumer.stop(), rest.consumer.stop(), several.consumer.stop()]);
  });

  it('work-queue: members of one group in two processes share the events, each handled once', async () => {
    const { root, group } = ctx.names('work');
    const other = await fixture.open(2);
    const handled: string[][] = [[], []];
    // A member holds its first batch until the other member has work too (or 3 s pass): the
    // property under test is that a busy member's group-mate takes the remaining events,
    // whatever the machine's scheduling.
    let bothBusy!: () => void;
    const bothHaveWork = new Promise<void>((resolve) => (bothBusy = resolve));
    const member = (b: Bus, i: number) =>
      b.consume({
        group,
        subjects: [`${root}.job`],
        batchSize: 10,
        handler: async (deliveries: Delivery[]) => {
          for (const d of deliveries) handled[i]!.push(d.event.id);
          if (handled[0]!.length > 0 && handled[1]!.length > 0) bothBusy();
          await Promise.race([bothHaveWork, sleep(3000)]);
          for (const d of deliveries) d.ack();
        },
      });
    const members = [await member(bus, 0), await member(other, 1)];
    assert.equal(members[0]?.group, group);
    const published = await bus.publish(Array.from({ length: 200 }, (_, n) => ({ type: 'job', subject: `${root}.job`, payload: n })));
    await waitFor('200 handled', () => handled[0]!.length + handled[1]!.length >= 200);
    await sleep(200);
    const all = [...handled[0]!, ...handled[1]!];
    assert.equal(all.length, 200, 'no event handled twice');
    assert.deepEqual(new Set(all), new Set(published.map((e) => e.id)));
    assert.ok(handled[0]!.length > 0 && handled[1]!.length > 0, `both members got work (${handled[0]!.length}/${handled[1]!.length})`);
    await Promise.all(members.map((m) => m?.stop()));
  });

  it('broadcast: every node receives every event', async () => {
    const { root, group } = ctx.names('fanout');
    const other = await fixture.open(3);
    const a = await record(bus, { group, subjects: [`${root}.>`], mode: 'broadcast' });
    const b = await record(other, { group, subjects: [`${root}.>`], mode: 'broadcast' });
    assert.equal(a.consumer.group, `${group}.1`);
    assert.equal(b.consumer.group, `${group}.3`);
    const published = await bus.publish(Array.from({ length: 20 }, (_, n) => ({ type: 'note', subject: `${root}.note`, payload: n })));
    await waitFor('both nodes got all', () => a.recorder.received.length >= 20 && b.recorder.received.length >= 20);
    const ids = published.map((e) => e.id);
    assert.deepEqual(a.recorder.ids(), ids);
    assert.deepEqual(b.recorder.ids(), ids);
    await Promise.all([a.consumer.stop(), b.consumer.stop()]);
  });

  it('broadcast with skipOwnEvents: no node is handed the events it published itself', async () => {
    const { root, group } = ctx.names('own');
    const other = await fixture.open(4);
    const a = await record(bus, { group, subjects: [`${root}.>`], mode: 'broadcast', skipOwnEvents: true });
    const b = await record(other, { group, subjects: [`${root}.>`], mode: 'broadcast', skipOwnEvents: true });
    const fromA = await bus.publish(Array.from({ length: 5 }, (_, n) => ({ type: 'note', subject: `${root}.note`, payload: n })));
    const fromB = await other.publish(Array.from({ length: 5 }, (_, n) => ({ type: 'note', subject: `${root}.note`, payload: n })));
    // One of this node's events reaching the bus through the other node (a relay of its outbox): its id still says whose it is.
    const relayed = await other.publish([{ id: new SnowflakeGenerator(bus.nodeId, () => Date.now() - 60_000).next(), type: 'note', subject: `${root}.note`, payload: 'relayed' }]);
    await waitFor('each node got the other’s', () => a.recorder.received.length >= 5 && b.recorder.received.length >= 6);
    await sleep(200);
    assert.deepEqual(a.recorder.ids(), fromB.map((e) => e.id));
    assert.deepEqual(b.recorder.ids().slice(0, 5), fromA.map((e) => e.id));
    assert.deepEqual(new Set(b.recorder.ids()), new Set([...fromA, ...relayed].map((e) => e.id)));
    await Promise.all([a.consumer.stop(), b.consumer.stop()]);
  });

  it('rejects an invalid subject, filter or option before storing anything', async () => {
    const { root, group } = ctx.names('invalid');
    const { consumer, recorder } = await record(bus, { group, subjects: [`${root}.>`] });
    await assert.rejects(bus.publish([{ type: 'ok', subject: `${root}.fine`, payload: 1 }, { type: 'bad', subject: `${root}..empty`, payload: 2 }]), TypeError);
    await assert.rejects(bus.publish([{ type: 'bad', subject: `${root}.*`, payload: 1 }]), TypeError);
    await assert.rejects(bus.publish([{ type: 'x', subject: `${root}.x`, payload: 1, id: 'not-an-id' }]), TypeError);
    await assert.rejects(bus.publish([{ type: 'x', subject: `${root}.x`, payload: { big: 1n } }]), TypeError);
    await assert.rejects(bus.consume({ group, subjects: [`${root}.>.x`], handler: () => {} }), TypeError);
    await assert.rejects(bus.consume({ group, subjects: [], handler: () => {} }), TypeError);
    await assert.rejects(bus.consume({ group: 'has space', subjects: [`${root}.x`], handler: () => {} }), TypeError);
    await assert.rejects(bus.consume({ group, subjects: [`${root}.x`], batchSize: 0, handler: () => {} }), RangeError);
    await assert.rejects(bus.consume({ group, subjects: [`${root}.x`], skipOwnEvents: true, handler: () => {} }), TypeError);
    await sleep(100);
    assert.equal(recorder.received.length, 0);
    await consumer.stop();
  });

  redeliveryCases(ctx);
  outboxCases(ctx);
  durabilityCases(ctx);
}
