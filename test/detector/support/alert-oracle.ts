import type { Alert } from '@tokenwarden/events';

/** The final state of each alert: its newest version (highest count), by alert id. */
export function finalAlerts(versions: readonly Alert[]): Map<string, Alert> {
  const out = new Map<string, Alert>();
  for (const a of versions) {
    const have = out.get(a.alert_id);
    if (!have || a.count > have.count) out.set(a.alert_id, a);
  }
  return out;
}

/** `rule_id group_key` of an alert: the incident it is about (one incident per key in the fault scenario). */
export const incidentOf = (a: Pick<Alert, 'rule_id' | 'group_key'>): string => `${a.rule_id} ${a.group_key}`;

/**
 * FAULTS.md oracle 4 for the detector: every differences between two runs'
 * final alert sets (by id and final count), plus any incident raised under
 * more than one id. Empty means equal.
 */
export function compareAlertSets(expected: readonly Alert[], actual: readonly Alert[]): string[] {
  const want = finalAlerts(expected);
  const got = finalAlerts(actual);
  const problems: string[] = [];
  for (const [id, a] of want) {
    const b = got.get(id);
    if (!b) problems.push(`missing alert ${id} (${incidentOf(a)}, count ${a.count})`);
    else if (b.count !== a.count) problems.push(`alert ${id} (${incidentOf(a)}) has count ${b.count}, expected ${a.count}`);
  }
  for (const [id, b] of got) if (!want.has(id)) problems.push(`unexpected alert ${id} (${incidentOf(b)}, count ${b.count})`);
  const idsPerIncident = new Map<string, Set<string>>();
  for (const a of got.values()) idsPerIncident.set(incidentOf(a), (idsPerIncident.get(incidentOf(a)) ?? new Set()).add(a.alert_id));
  for (const [incident, ids] of idsPerIncident) if (ids.size > 1) problems.push(`incident ${incident} raised under ${ids.size} alert ids`);
  return problems;
}
