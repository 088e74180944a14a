import { issued, subjectRef, validated } from '../testing/event-kit';
import { oneRule, setup, T0 } from '../testing/engine-kit';
import { alertIdOf } from './incident';

// One rule: >= 3 TokenIssued per subject in 60 s, 6 sub-buckets of 10 s, lateness 60 s.
const s = (seconds: number) => T0 + seconds * 1000;

describe('sliding windows (event time, sub-buckets of 10 s)', () => {
  it('raises when the threshold is reached inside one window', () => {
    const k = setup(oneRule());
    k.feed(issued({ t: s(1) }), issued({ t: s(20) }));
    expect(k.emit()).toEqual([]);
    k.feed(issued({ t: s(59) }));
    const [alert] = k.emit();
    expect(alert).toMatchObject({ rule_id: 'test-rule', count: 3, threshold: 3, status: 'OPEN', group_key: subjectRef('alice') });
    expect(alert.first_seen).toBe(s(1));
    expect(alert.last_seen).toBe(s(59));
  });

  it('does not add up events further apart than the window', () => {
    const k = setup(oneRule());
    k.feed(issued({ t: s(0) }), issued({ t: s(35) }), issued({ t: s(71) }), issued({ t: s(106) }));
    expect(k.emit()).toEqual([]);
  });

  it('is accurate to one sub-bucket: windows are whole sub-buckets', () => {
    // 5 s and 62 s are 57 s apart (< 60 s) but lie in buckets 0 and 6, which no 6-bucket window holds together.
    const apart = setup(oneRule());
    apart.feed(issued({ t: s(5) }), issued({ t: s(9) }), issued({ t: s(62) }));
    expect(apart.emit()).toEqual([]);
    // 10 s and 69 s are 59 s apart and share the window of buckets 1..6.
    const together = setup(oneRule());
    together.feed(issued({ t: s(10) }), issued({ t: s(11) }), issued({ t: s(69) }));
    expect(together.emit()).toHaveLength(1);
  });

  it('uses event time, not arrival order or wall time', () => {
    const inOrder = setup(oneRule());
    const shuffled = setup(oneRule());
    const events = [issued({ t: s(3) }), issued({ t: s(15) }), issued({ t: s(40) })];
    inOrder.feed(...events);
    shuffled.feed(events[2], events[0], events[1]);
    expect(shuffled.emit().map((a) => [a.alert_id, a.count])).toEqual(inOrder.emit().map((a) => [a.alert_id, a.count]));
  });

  it('gives a key fed partition by partition (a consumer catching up) the same alert as event-time order', () => {
    const events = Array.from({ length: 60 }, (_, i) => issued({ t: s(20 + i * 4), subject: `s${i}`, client: 'bulk' }));
    const byClient = (o: Record<string, unknown>) => oneRule({ ...o, groupBy: 'client_id' });
    const inOrder = setup(byClient({ windowSeconds: 300, subBuckets: 10, threshold: 50, cooldownSeconds: 900 }));
    inOrder.feed(...events);
    const batched = setup(byClient({ windowSeconds: 300, subBuckets: 10, threshold: 50, cooldownSeconds: 900 }));
    for (const p of [2, 0, 1]) batched.feed(...events.filter((_, i) => i % 3 === p));
    const [a] = inOrder.emit();
    const [b] = batched.emit();
    expect(a).toMatchObject({ count: 60, group_key: 'bulk' });
    // Same incident id and final count; the crossing window itself can end a few sub-buckets apart.
    expect([b.alert_id, b.count]).toEqual([a.alert_id, a.count]);
  });

  it('counts keys separately', () => {
    const k = setup(oneRule());
    k.feed(issued({ t: s(1), subject: 'a' }), issued({ t: s(2), subject: 'b' }), issued({ t: s(3), subject: 'c' }));
    expect(k.emit()).toEqual([]);
  });

  it('ignores events without a group key and events of suppressed keys', () => {
    const k = setup(oneRule({ suppressKeys: [subjectRef('bot')] }));
    for (let i = 0; i < 5; i++) k.feed(issued({ t: s(i), subject: null }), issued({ t: s(i), subject: 'bot' }));
    expect(k.emit()).toEqual([]);
    expect(k.engine.stats()[0]).toMatchObject({ noKey: 5, suppressed: 5, trackedKeys: 0 });
  });
});

describe('allowed lateness', () => {
  it('drops an event whose windows all closed more than the allowed lateness ago', () => {
    // Window 60 s, lateness 30 s: at newest 100 s, an event at or before 10 s is late.
    const k = setup(oneRule({}, 30));
    k.feed(issued({ t: s(100) }), issued({ t: s(101) }));
    k.feed(issued({ t: s(10) }));
    expect(k.emit()).toEqual([]);
    expect(k.engine.stats()[0].late).toBe(1);
    k.feed(issued({ t: s(50) })); // the window of sub-buckets 50-110 s holds it and 100 s: counted
    expect(k.emit()[0]).toMatchObject({ count: 3, first_seen: s(50) });
  });

  it('lets a late event complete a window that closed before it arrived', () => {
    // Threshold 3: 0 s and 50 s, then 70 s moves the head on; the late 45 s event completes buckets 0..5.
    const k = setup(oneRule());
    k.feed(issued({ t: s(0) }), issued({ t: s(50) }), issued({ t: s(70) }));
    expect(k.emit()).toEqual([]);
    k.feed(issued({ t: s(45) }));
    expect(k.emit()).toHaveLength(1);
  });

  it('does not count a redelivered event twice', () => {
    const k = setup(oneRule());
    const e = issued({ t: s(1) });
    k.feed(e, e, e, issued({ t: s(2) }));
    expect(k.emit()).toEqual([]);
    expect(k.engine.stats()[0].duplicates).toBe(2);
  });
});

describe('incidents', () => {
  it('derives the alert id from rule, key and the aligned window, the same in every run', () => {
    const events = [issued({ t: s(61) }), issued({ t: s(62) }), issued({ t: s(75) })];
    const run = () => {
      const k = setup(oneRule());
      k.feed(...events);
      return k.emit()[0];
    };
    const a = run();
    // Crossed at 75 s: the window is the 6 sub-buckets ending with 70-80 s; the id anchors on the 60-120 s period.
    expect(a.alert_id).toBe(alertIdOf('test-rule', subjectRef('alice'), s(60)));
    expect(a.window_start).toBe(s(20));
    expect(a.window_end).toBe(s(80));
    expect(run()).toEqual(a);
    expect(a.alert_id).not.toBe(alertIdOf('test-rule', subjectRef('bob'), s(60)));
    expect(a.alert_id).not.toBe(alertIdOf('test-rule', subjectRef('alice'), s(0)));
  });

  it('updates the open alert for follow-ups instead of opening a new one', () => {
    const k = setup(oneRule({ cooldownSeconds: 600 }));
    k.feed(issued({ t: s(1) }), issued({ t: s(2) }), issued({ t: s(3) }));
    const [open] = k.emit();
    k.feed(issued({ t: s(4) }), issued({ t: s(5) }));
    const [update] = k.emit();
    expect(update).toMatchObject({ alert_id: open.alert_id, status: 'UPDATED', count: 5, last_seen: s(5) });
    expect(update.evidence_event_ids.slice(0, open.evidence_event_ids.length)).toEqual(open.evidence_event_ids);
    expect(update.header.event_id).not.toBe(open.header.event_id);
    expect(k.emit()).toEqual([]); // nothing changed, nothing to emit
  });

  it('emits one version per alert however many events changed it', () => {
    const k = setup(oneRule({ cooldownSeconds: 600 }));
    for (let i = 0; i < 10; i++) k.feed(issued({ t: s(i) }));
    expect(k.emit().map((a) => [a.count, a.status])).toEqual([[10, 'OPEN']]);
  });

  it('caps evidence at 20 ids, oldest first, each a real event id', () => {
    const k = setup(oneRule({ cooldownSeconds: 600, windowSeconds: 600, subBuckets: 10 }));
    const events = Array.from({ length: 30 }, (_, i) => issued({ t: s(i) }));
    k.feed(...events);
    const [a] = k.emit();
    const ids = events.map((e) => e.value.header.event_id);
    expect(a.count).toBe(30);
    expect(a.evidence_event_ids).toHaveLength(20);
    expect(a.evidence_event_ids.every((id) => ids.includes(id))).toBe(true);
    expect(a.evidence_event_ids.map((id) => ids.indexOf(id))).toEqual([...a.evidence_event_ids.map((id) => ids.indexOf(id))].sort((x, y) => x - y));
  });

  it('stays quiet during the cool-down and opens a new alert after it', () => {
    const k = setup(oneRule({ cooldownSeconds: 120 }));
    const burst = (from: number) => [0, 1, 2].map((d) => issued({ t: s(from + d) }));
    k.feed(...burst(0));
    const [first] = k.emit();
    // 100 s after the crossing, inside the cool-down: the burst joins the incident from the
    // event that meets the threshold again (the third), so count 3 + 1.
    k.feed(...burst(100));
    expect(k.emit()).toEqual([expect.objectContaining({ alert_id: first.alert_id, count: 4, status: 'UPDATED' })]);
    k.feed(...burst(200)); // after it: a new incident
    const [second] = k.emit();
    expect(second.alert_id).not.toBe(first.alert_id);
    expect(second).toMatchObject({ status: 'OPEN', count: 3, window_start: s(150), window_end: s(210) });
    expect(second.alert_id).toBe(alertIdOf('test-rule', subjectRef('alice'), s(180)));
  });

  it('restores an incident from its alert: same id, no double counting, follow-ups after it counted', () => {
    const events = [0, 1, 2, 3, 4, 5].map((d) => issued({ t: s(d) }));
    const original = setup(oneRule({ cooldownSeconds: 600 }));
    original.feed(...events.slice(0, 4));
    const [v1] = original.emit();
    original.feed(...events.slice(4));
    const [final] = original.emit();

    const restarted = setup(oneRule({ cooldownSeconds: 600 }));
    expect(restarted.engine.seed([v1])).toBe(1);
    restarted.feed(...events); // the replayed window plus the two events after v1
    const [resumed] = restarted.emit();
    expect(resumed).toMatchObject({ alert_id: final.alert_id, count: final.count, status: 'UPDATED', window_start: final.window_start });
    expect(restarted.emit()).toEqual([]);
  });

  it('does not count follow-ups that no longer meet the threshold', () => {
    const k = setup(oneRule({ cooldownSeconds: 600 }));
    k.feed(issued({ t: s(0) }), issued({ t: s(1) }), issued({ t: s(2) }));
    k.emit();
    k.feed(issued({ t: s(200) })); // alone in its window
    expect(k.emit()).toEqual([]);
  });
});

describe('distinct counts', () => {
  const rule = (o: Record<string, unknown> = {}) => oneRule({
    kind: 'distinct', match: [{ type: 'TokenValidated' }], groupBy: 'jti', distinctField: 'ip', threshold: 3, maxDistinct: 4, ...o,
  });

  it('raises when one key sees threshold distinct values in a window', () => {
    const k = setup(rule());
    k.feed(validated({ t: s(1), ip: '10.0.0.1' }, { jti: 'j1' }), validated({ t: s(2), ip: '10.0.0.1' }, { jti: 'j1' }),
      validated({ t: s(3), ip: '10.0.0.2' }, { jti: 'j1' }));
    expect(k.emit()).toEqual([]);
    k.feed(validated({ t: s(4), ip: '10.0.0.3' }, { jti: 'j1' }));
    expect(k.emit()[0]).toMatchObject({ count: 3, group_key: 'j1' });
    k.feed(validated({ t: s(5), ip: '10.0.0.3' }, { jti: 'j1' }));
    expect(k.emit()).toEqual([]); // a known value is no news
    k.feed(validated({ t: s(6), ip: '10.0.0.4' }, { jti: 'j1' }));
    expect(k.emit()[0]).toMatchObject({ count: 4, status: 'UPDATED' });
  });

  it('forgets values that left the window', () => {
    const k = setup(rule());
    k.feed(validated({ t: s(0), ip: 'a' }, { jti: 'j' }), validated({ t: s(30), ip: 'b' }, { jti: 'j' }),
      validated({ t: s(65), ip: 'c' }, { jti: 'j' }), validated({ t: s(100), ip: 'd' }, { jti: 'j' }));
    expect(k.emit()).toEqual([]);
  });

  it('keeps a fixed number of values per key and still reaches the threshold when full', () => {
    const k = setup(rule({ threshold: 4, maxDistinct: 4 }));
    for (let i = 0; i < 10; i++) k.feed(validated({ t: s(i), ip: `10.0.0.${i}` }, { jti: 'j' }));
    expect(k.emit()[0]).toMatchObject({ count: 4 }); // saturated at maxDistinct
  });
});
