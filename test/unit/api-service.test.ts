import { beforeAll, describe, expect, it } from 'vitest';
import { createEvents } from '../support/events.js';
import { type Api, day, openApi } from './api-harness.js';

interface Detail {
  service: {
    id: string;
    service: { id: string; tier: number | null };
    running: { version: string; deploy: string | null } | null;
    config: { key: string; value: unknown; change: string; since: string }[];
    activeAlerts: { id: string; signal: string; severity: string | null; firedAt: string; onsetObserved: boolean; value?: number | null; baseline?: number | null }[];
    dependsOn: { to: string }[];
    dependedOnBy: { from: string }[];
  } | null;
}

const SERVICE = `query($id: ID!, $at: DateTime, $knownAt: DateTime) {
  service(id: $id, at: $at, knownAt: $knownAt) {
    id service { id tier }
    running { version deploy }
    config { key value change since }
    activeAlerts { id signal severity firedAt onsetObserved value baseline }
    dependsOn { to } dependedOnBy { from }
  }
}`;

describe('service', () => {
  let api: Api;
  const ev = createEvents({ source: 'ops' });

  beforeAll(async () => {
    api = await openApi();
    api.clock('09:00');
    await api.ingest([
      ev.serviceUpserted(day('09:00'), { service: 'web' }),
      ev.serviceUpserted(day('09:00'), { service: 'cart', tier: 1 }),
      ev.serviceUpserted(day('09:00'), { service: 'db' }),
      ev.dependencyUpserted(day('09:00'), { from: 'web', to: 'cart' }),
      ev.dependencyUpserted(day('09:00'), { from: 'cart', to: 'db' }),
      ev.deployStarted(day('10:00'), { deploy: 'd-1', service: 'cart', version: 'v1' }),
      ev.deployFinished(day('10:05'), { deploy: 'd-1', status: 'succeeded' }),
      ev.deployStarted(day('11:00'), { deploy: 'd-2', service: 'cart', version: 'v2', previousVersion: 'v1' }),
      ev.deployFinished(day('11:30'), { deploy: 'd-2', status: 'rolled_back' }),
      ev.configChanged(day('10:00'), { change: 'c-1', service: 'cart', key: 'pool.size', value: 20 }),
      ev.configChanged(day('11:00'), { change: 'c-2', service: 'cart', key: 'pool.size', value: 50, previousValue: 20 }),
      ev.configChanged(day('10:00'), { change: 'c-3', service: 'cart', key: 'feature.flags', value: 'checkout-v2' }),
      ev.alertFired(day('11:10'), { alert: 'a-1', service: 'cart', signal: 'latency', severity: 'critical', value: 840, baseline: 35 }),
      ev.alertFired(day('11:20'), { alert: 'a-2', service: 'cart', signal: 'errors', onsetObserved: false }),
      ev.alertResolved(day('11:40'), { alert: 'a-1' }),
    ]);
  });

  const detail = async (at: string, id = 'cart') => {
    const r = await api.query<Detail>(SERVICE, { id, at: day(at) });
    expect(r.errors).toBeUndefined();
    return r.data!.service;
  };

  it('is null where the service does not exist at that instant', async () => {
    expect(await detail('08:00')).toBeNull();
    expect(await detail('12:00', 'nowhere')).toBeNull();
  });

  it('names the running version and the deploy behind it, and the earlier one after a rollback', async () => {
    expect((await detail('11:15'))?.running).toEqual({ version: 'v2', deploy: 'd-2' });
    expect((await detail('12:00'))?.running).toEqual({ version: 'v1', deploy: 'd-1' });
    expect((await detail('09:30'))?.running).toBeNull();
  });

  it('lists config values with the change that set them and since when', async () => {
    expect((await detail('12:00'))?.config).toEqual([
      { key: 'feature.flags', value: 'checkout-v2', change: 'c-3', since: day('10:00') },
      { key: 'pool.size', value: 50, change: 'c-2', since: day('11:00') },
    ]);
    expect((await detail('10:30'))?.config.find((c) => c.key === 'pool.size')?.value).toBe(20);
  });

  it('lists the alerts active at the instant only', async () => {
    expect((await detail('11:30'))?.activeAlerts.map((a) => a.id)).toEqual(['a-1', 'a-2']);
    expect((await detail('11:30'))?.activeAlerts[0]).toEqual({ id: 'a-1', signal: 'latency', severity: 'critical', firedAt: day('11:10'), onsetObserved: true, value: 840, baseline: 35 });
    // A monitor that began watching mid-failure says so; the alert is active all the same.
    expect((await detail('12:00'))?.activeAlerts[0]).toMatchObject({ id: 'a-2', onsetObserved: false, value: null, baseline: null });
    expect((await detail('12:00'))?.activeAlerts.map((a) => a.id)).toEqual(['a-2']);
  });

  it('gives the dependencies in and out', async () => {
    const d = await detail('12:00');
    expect(d?.dependsOn).toEqual([{ to: 'db' }]);
    expect(d?.dependedOnBy).toEqual([{ from: 'web' }]);
    expect(d?.service).toEqual({ id: 'cart', tier: 1 });
  });

  it('answers deploy and incident by id, with their state at the instant', async () => {
    const r = await api.query<{ before: { status: string } | null; during: { status: string; version: string }; after: { status: string; finishedAt: string } }>(
      `{ before: deploy(id: "d-2", at: "${day('10:30')}") { status }
         during: deploy(id: "d-2", at: "${day('11:15')}") { status version }
         after: deploy(id: "d-2", at: "${day('12:00')}") { status finishedAt } }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({
      before: null,
      during: { status: 'IN_PROGRESS', version: 'v2' },
      after: { status: 'ROLLED_BACK', finishedAt: day('11:30') },
    });
  });
});

describe('incident and incidents', () => {
  it('answer incidents opened by the instant, open or resolved with their root cause', async () => {
    const api = await openApi();
    const ev = createEvents({ source: 'pager' });
    api.clock('12:00');
    await api.ingest([
      ev.serviceUpserted(day('09:00'), { service: 'cart' }),
      ev.incidentOpened(day('10:00'), { incident: 'i-1', services: ['cart'], title: 'checkout slow' }),
      ev.incidentResolved(day('11:00'), { incident: 'i-1', rootCause: { kind: 'deploy', id: 'd-2' } }),
      ev.incidentOpened(day('11:30'), { incident: 'i-2', services: ['cart'] }),
    ]);
    const r = await api.query<{
      one: { open: boolean; rootCause: { kind: string; id: string } | null; title: string };
      all: { id: string; open: boolean }[];
      openOnes: { id: string }[];
      early: { id: string }[];
    }>(`{ one: incident(id: "i-1") { open rootCause { kind id } title }
          all: incidents { id open }
          openOnes: incidents(open: true) { id }
          early: incidents(at: "${day('10:30')}") { id } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({
      one: { open: false, rootCause: { kind: 'DEPLOY', id: 'd-2' }, title: 'checkout slow' },
      all: [
        { id: 'i-1', open: false },
        { id: 'i-2', open: true },
      ],
      openOnes: [{ id: 'i-2' }],
      early: [{ id: 'i-1' }],
    });
  });
});
