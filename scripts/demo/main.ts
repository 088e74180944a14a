/**
 * The main job (README quick start), end to end: the four services as child
 * processes, a private rsyslogd and an OCSF webhook receiver as the SIEM, and
 * a traffic generator with attacks injected on purpose through the token
 * service's real HTTP endpoints. Live progress while it runs; at the end a
 * summary (events, ClickHouse rows through the analyst views, each attack and
 * the alert that caught it, what the SIEM received, three analyst queries).
 * Exits 1 when an attack went uncaught. Ctrl-C stops everything it started.
 *
 * Isolation: each run gets its own topic prefix `demo-<stamp>.`, consumer
 * groups under that prefix and ClickHouse database `tw_demo_<stamp>`, so runs
 * never mix and the detector's windows start empty. Output under
 * .local/demo/<stamp>/. Knobs: DEMO_USERS (150), DEMO_SECONDS (40).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseStore, clickHouseOptionsFromConfig, sql } from '@tokenwarden/clickhouse';
import { loadInfraConfig } from '@tokenwarden/config';
import { makeDemoClients } from './clients';
import { get, metricSum, onSignals, ROOT, sleep, until } from './processes';
import { SiemReceivers } from './siem-receivers';
import { newSecrets, Stack, startStack, stopStack } from './stack';
import { Attack, closeAgents, Traffic } from './traffic';

const say = (s = '') => process.stdout.write(`${s}\n`);
const num = (n: number) => n.toLocaleString('en-US');

interface Metrics { published: number; byType: Record<string, number>; projectorLag: number; rows: number; detectorLag: number; alertsOpen: number; alertVersions: number; siemDelivered: number }

async function metrics(stack: Stack): Promise<Metrics> {
  const [ts, pr, de, si] = await Promise.all([stack.tokenServiceUrl, stack.projectorUrl, stack.detectorUrl, stack.siemUrl]
    .map(async (u) => (await get(`${u}/metrics`).catch(() => ({ text: '' }))).text));
  const byType: Record<string, number> = {};
  for (const m of ts.matchAll(/^tw_token_audit_events_published_total\{type="(\w+)"\} (\S+)/gm)) byType[m[1]] = Number(m[2]);
  return {
    published: metricSum(ts, 'tw_token_audit_events_published_total'),
    byType,
    projectorLag: metricSum(pr, 'tw_projector_consumer_lag'),
    rows: metricSum(pr, 'tw_projector_rows_inserted_total'),
    detectorLag: metricSum(de, 'tw_detector_consumer_lag'),
    alertsOpen: metricSum(de, 'tw_detector_alerts_total', { status: 'OPEN' }),
    alertVersions: metricSum(de, 'tw_detector_alerts_total'),
    siemDelivered: metricSum(si, 'tw_siem_alerts_delivered_total'),
  };
}

interface AlertRow { alert_id: string; rule_id: string; group_key: string; severity: string; count: string; threshold: string; status: string; window_start: string; first_seen: string }

async function main(): Promise<number> {
  const started = Date.now();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = join(ROOT, '.local', 'demo', stamp);
  mkdirSync(dir, { recursive: true });
  const users = Number(process.env.DEMO_USERS ?? 150);
  const seconds = Number(process.env.DEMO_SECONDS ?? 40);
  const secrets = newSecrets();
  let siem: SiemReceivers | undefined;
  let store: ClickHouseStore | undefined;
  onSignals(async () => {
    closeAgents();
    await store?.close().catch(() => undefined);
    await stopStack(siem);
  });

  try {
    say(`== Tokenwarden demo, run ${stamp} (output in ${dir})`);
    // Best effort and in the background: a DROP DATABASE can take tens of seconds on a busy ClickHouse.
    let pruned = '';
    const pruning = pruneOldRuns(dir).then((r) => void (pruned = r), (e: unknown) => void (pruned = `pruning older demo runs failed (retried next run): ${e instanceof Error ? e.message : String(e)}`));
    const clientsFile = join(dir, 'clients.json');
    const clients = await makeDemoClients(clientsFile);
    say(`clients: ${[...clients.identity.map((c) => `${c.id} (private_key_jwt)`), ...clients.services.map((c) => c.id), ...clients.resourceServers.map((c) => `${c.id} (resource server)`)].join(', ')} → ${clientsFile}`);
    const stack = await startStack({ dir, prefix: `demo-${stamp}.`, database: `tw_demo_${stamp.replace('-', '_')}`, clientsFile, secrets, say });
    siem = stack.siem;
    const db = stack.infra.TW_CLICKHOUSE_DATABASE;
    store = new ClickHouseStore(clickHouseOptionsFromConfig(stack.infra));

    // ---- traffic, with live progress -------------------------------------------------------
    say(`\n== traffic: ${users} users over ${seconds} s through ${stack.tokenServiceUrl}, attacks injected along the way`);
    const traffic = new Traffic({ baseUrl: stack.tokenServiceUrl, issuer: stack.issuer, clients, adminToken: secrets.adminToken, subjectRefKey: secrets.subjectRefKey, users, seconds });
    let last = { t: Date.now(), published: 0, requests: 0 };
    let reported = 0;
    const progress = async (phase: string) => {
      const m = await metrics(stack);
      const now = Date.now();
      const dt = (now - last.t) / 1000;
      const rate = (m.published - last.published) / dt;
      const rps = (traffic.stats.requests - last.requests) / dt;
      last = { t: now, published: m.published, requests: traffic.stats.requests };
      const newAttacks = traffic.attacks.slice(reported).map((a) => a.name);
      reported = traffic.attacks.length;
      say(`[${String(Math.round((now - started) / 1000)).padStart(3)} s] ${phase.padEnd(8)} requests ${num(traffic.stats.requests).padStart(6)} (${rps.toFixed(0).padStart(4)}/s)` +
        `  events ${num(m.published).padStart(6)} (${rate.toFixed(0).padStart(4)}/s)  lag: projector ${m.projectorLag}, detector ${m.detectorLag}` +
        `  ClickHouse rows ${num(m.rows)}  alerts ${m.alertsOpen}  SIEM deliveries ${m.siemDelivered}${newAttacks.length ? `  ⚑ injected: ${newAttacks.join(', ')}` : ''}`);
      return m;
    };
    const trafficStart = Date.now();
    const ticker = setInterval(() => void progress('traffic').catch(() => undefined), 3000);
    try {
      await traffic.run();
    } finally {
      clearInterval(ticker);
      closeAgents();
    }
    const trafficSeconds = (Date.now() - trafficStart) / 1000;

    // ---- drain: every event in ClickHouse, every attack's alert, every alert at the SIEM ----
    say(`\n== draining: waiting for ClickHouse, the detector and the SIEM to catch up`);
    const m0 = await metrics(stack);
    const tokenEventsPublished = m0.published - (m0.byType.KeyLifecycle ?? 0);
    const countRows = async () => Number((await store!.query<{ n: string }>(`SELECT uniqExact(event_id) AS n FROM ${sql.identifier(db)}.token_events_v`))[0].n);
    const drainTicker = setInterval(() => void progress('draining').catch(() => undefined), 3000);
    let alerts: AlertRow[] = [];
    const caught = (a: Attack) => alerts.filter((r) => a.rules.includes(r.rule_id) && r.group_key === a.groupKey);
    try {
      await until(async () => (await countRows()) >= tokenEventsPublished, 90000, `${tokenEventsPublished} token events in ClickHouse`, 500).catch((e: Error) => say(`!! ${e.message}`));
      await until(async () => {
        alerts = await store!.query<AlertRow>(`SELECT alert_id, rule_id, group_key, severity, toString(count) AS count, toString(threshold) AS threshold, status, toString(window_start) AS window_start, toString(first_seen) AS first_seen FROM ${sql.identifier(db)}.alerts_v ORDER BY first_seen, rule_id`);
        return traffic.attacks.every((a) => caught(a).length > 0);
      }, 45000, 'an alert for every attack', 500).catch(() => undefined);
      await sleep(1500); // follow-up (UPDATED) versions are published at most once a second
      await until(async () => {
        const m = await metrics(stack);
        return m.detectorLag === 0 && siem!.syslogLines().length >= m.alertVersions && siem!.webhookFindings().length >= m.alertVersions;
      }, 45000, 'every alert version at both SIEM sinks', 500).catch((e: Error) => say(`!! ${e.message}`));
      alerts = await store.query<AlertRow>(`SELECT alert_id, rule_id, group_key, severity, toString(count) AS count, toString(threshold) AS threshold, status, toString(window_start) AS window_start, toString(first_seen) AS first_seen FROM ${sql.identifier(db)}.alerts_v ORDER BY first_seen, rule_id`);
    } finally {
      clearInterval(drainTicker);
    }
    const m = await metrics(stack);

    // ---- summary ---------------------------------------------------------------------------
    say(`\n================================ SUMMARY ================================`);
    const s = traffic.stats;
    say(`traffic: ${num(s.requests)} HTTP requests in ${trafficSeconds.toFixed(0)} s (${Object.entries(s.byKind).map(([k, v]) => `${k} ${v}`).join(', ')}); ` +
      `${s.users} user sessions, erased: ${s.erased.join(', ') || 'none'}; HTTP 5xx: ${s.httpErrors}`);
    if (s.unexpected.length) say(`unexpected responses (${s.unexpected.length}):\n  ${s.unexpected.slice(0, 10).join('\n  ')}`);

    say(`\nevents published by the token service (its /metrics, acknowledged by Kafka): ${num(m.published)}`);
    say(`  ${Object.entries(m.byType).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const byType = await store.query<{ event_type: string; rows: string; events: string }>(
      `SELECT event_type, count() AS rows, uniqExact(event_id) AS events FROM ${sql.identifier(db)}.token_events_v GROUP BY event_type ORDER BY event_type`);
    const keyRows = Number((await store.query<{ n: string }>(`SELECT uniqExact(event_id) AS n FROM ${sql.identifier(db)}.key_events_v`))[0].n);
    const landed = byType.reduce((n, r) => n + Number(r.events), 0);
    const rowsTotal = byType.reduce((n, r) => n + Number(r.rows), 0);
    say(`rows in ClickHouse ${db} through the analyst views: token_events_v ${num(rowsTotal)} rows = ${num(landed)} distinct event_id` +
      ` (published ${num(tokenEventsPublished)} token events${landed === tokenEventsPublished ? ': all landed, exactly once' : ': MISMATCH'}), key_events_v ${keyRows} (published ${m.byType.KeyLifecycle ?? 0})`);
    say(`  ${byType.map((r) => `${r.event_type} ${r.events}`).join(', ')}`);

    say(`\nattacks injected: ${traffic.attacks.length}; alerts raised (alerts_v, one row per incident): ${alerts.length}`);
    const uncaught: Attack[] = [];
    const notInjected = traffic.plannedAttacks.filter((n) => !traffic.attacks.some((a) => a.name === n));
    for (const n of notInjected) say(`  NOT INJECTED ${n}: the generator failed to carry it out (see unexpected responses above)`);
    const explained = new Set<string>();
    for (const a of traffic.attacks) {
      const hits = caught(a);
      hits.forEach((h) => explained.add(h.alert_id));
      if (hits.length === 0) uncaught.push(a);
      say(`  ${hits.length ? 'CAUGHT    ' : 'NOT CAUGHT'} ${a.name}: ${a.what}`);
      if (hits.length) for (const h of hits) say(`             by rule ${h.rule_id} (${h.severity}) on ${a.groupKeyLabel}: alert ${h.alert_id}, count ${h.count} ≥ threshold ${h.threshold}, window from ${h.window_start}`);
      else say(`             expected rule ${a.rules.join(' or ')} on ${a.groupKeyLabel}; no such alert`);
    }
    const others = alerts.filter((r) => !explained.has(r.alert_id));
    if (others.length) {
      say(`  other alerts (not matched to an injected attack):`);
      for (const r of others) say(`    ${r.rule_id} (${r.severity}) group ${r.group_key.slice(0, 24)}: count ${r.count} / threshold ${r.threshold}`);
    }

    const syslog = siem.syslogLines();
    const findings = siem.webhookFindings();
    const idsIn = (xs: string[]) => new Set(xs);
    const syslogIds = idsIn(syslog.map((l) => /alert_id="([0-9a-f]+)"/.exec(l)?.[1] ?? '').filter(Boolean));
    const hookIds = idsIn(findings.map((f) => String((f.finding_info as { uid?: string } | undefined)?.uid ?? '')).filter(Boolean));
    const allAt = (ids: Set<string>) => alerts.every((a) => ids.has(a.alert_id));
    say(`\nSIEM (the detector published ${m.alertVersions} alert versions: ${m.alertsOpen} OPEN + ${m.alertVersions - m.alertsOpen} UPDATED):`);
    say(`  syslog RFC 5424 + CEF via rsyslogd: ${syslog.length} messages, ${syslogIds.size} distinct alerts${allAt(syslogIds) ? ' (every alert)' : ' (SOME MISSING)'} → ${siem.syslogFile}`);
    say(`  OCSF webhook (HMAC verified${siem.badSignatures() ? `, ${siem.badSignatures()} bad signatures` : ''}): ${findings.length} findings, ${hookIds.size} distinct alerts${allAt(hookIds) ? ' (every alert)' : ' (SOME MISSING)'} → ${siem.webhookFile}`);

    await analystQueries(store, db, started);

    await Promise.race([pruning, sleep(3000)]);
    if (pruned) say(`\n${pruned}`);
    say(`\nlogs of every process: ${stack.logDir}`);
    say(`run took ${((Date.now() - started) / 1000).toFixed(0)} s; stopping every process it started ...`);
    if (uncaught.length || notInjected.length) {
      say(`\nFAILED: ${uncaught.length} attack(s) NOT caught${uncaught.length ? `: ${uncaught.map((a) => a.name).join(', ')}` : ''}; ${notInjected.length} not injected${notInjected.length ? `: ${notInjected.join(', ')}` : ''}`);
      return 1;
    }
    say(`\nOK: all ${traffic.attacks.length} attacks caught.`);
    return 0;
  } finally {
    closeAgents();
    await store?.close().catch(() => undefined);
    await stopStack(siem);
  }
}

/**
 * Keeps the newest KEEP_RUNS demo runs (this one included): older tw_demo_*
 * databases and .local/demo/<stamp> folders go. Their Kafka topics stay
 * (libs/kafka has no topic deletion); they are small and prefixed demo-<stamp>.
 */
async function pruneOldRuns(current: string, keepRuns = Number(process.env.DEMO_KEEP_RUNS ?? 3)): Promise<string> {
  const parent = join(current, '..');
  const stamps = readdirSync(parent).filter((d) => /^\d{8}-\d{6}$/.test(d) && join(parent, d) !== current).sort();
  const old = stamps.slice(0, Math.max(0, stamps.length - (keepRuns - 1)));
  if (old.length === 0) return '';
  const store = new ClickHouseStore({ ...clickHouseOptionsFromConfig(loadInfraConfig(process.env)), requestTimeoutMs: 180_000 });
  try {
    for (const s of old) {
      await store.command(`DROP DATABASE IF EXISTS ${sql.identifier(`tw_demo_${s.replace('-', '_')}`)}`);
      rmSync(join(parent, s), { recursive: true, force: true });
    }
  } finally {
    await store.close();
  }
  return `pruned ${old.length} older demo run(s): their tw_demo_* databases and .local/demo folders (DEMO_KEEP_RUNS=${keepRuns})`;
}

/** Three saved queries of docs/queries with the placeholders filled in for this run, printed ready to paste, and run once. */
async function analystQueries(store: ClickHouseStore, db: string, started: number): Promise<void> {
  const since = `toDateTime('${new Date(started - 60000).toISOString().slice(0, 19).replace('T', ' ')}', 'UTC')`;
  const fill = (file: string) => readFileSync(join(ROOT, 'docs/queries', file), 'utf8')
    .replaceAll('{database}', db).replaceAll('{tenant_id}', `'default'`).replaceAll('{since}', since).replaceAll('{until}', 'now()')
    .trim().replace(/;$/, '');
  say(`\nthree analyst queries (docs/queries, filled in for this run). Paste into \`clickhouse client --port 19000\`, or pipe to curl -s 'http://127.0.0.1:18123/' --data-binary @-`);
  for (const [file, about] of [
    ['11_alerts_by_rule.sql', 'alerts by rule'],
    ['04_tokens_used_after_revocation.sql', 'tokens presented after their revocation'],
    ['02_top_reissuers_last_hour.sql', 'who reissued most in the last hour'],
  ] as const) {
    const q = fill(file);
    say(`\n-- ${file}: ${about}\n${q};`);
    try {
      const rows = await store.query<Record<string, unknown>>(q);
      say(`-- → ${rows.length} row(s) now${rows.length ? ':' : ''}`);
      for (const r of rows.slice(0, 3)) say(`--   ${JSON.stringify(r).slice(0, 220)}`);
    } catch (e) {
      say(`-- → failed: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}`);
    }
  }
}

main().then((code) => process.exit(code), async (err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
