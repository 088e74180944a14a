import { EVENT_TYPE_NAMES, EventProjection, EventTypeName } from '@tokenwarden/events';
import { fieldPath } from './event-fields';
import { RuleSet } from './rule-definition';
import { CHECK_FIELDS } from './rule-matcher';

/**
 * The fields the engine reads, per event type, for a rule set: what the
 * detector's decoder builds (the rest of each record is checked, then
 * skipped). Every event moves the event clock (header.event_time);
 * KeyLifecycle feeds the key registry; a matched event is read for its
 * rule's conditions, checks, group key and distinct value, and counted by
 * event id, with its tenant on the alert.
 */
export function eventProjection(rules: RuleSet): EventProjection {
  const paths = new Map<EventTypeName, Set<string>>(EVENT_TYPE_NAMES.map((t) => [t, new Set(['header.event_time'])]));
  for (const p of ['kid', 'phase']) paths.get('KeyLifecycle')!.add(p);
  for (const rule of rules.rules) {
    for (const clause of rule.match) {
      const read = paths.get(clause.type)!;
      const fields = [rule.groupBy, ...(rule.distinctField ? [rule.distinctField] : []), ...Object.keys(clause.where)];
      for (const name of fields) read.add(fieldPath(clause.type, name));
      for (const name of clause.check ? CHECK_FIELDS[clause.check] : []) read.add(name);
      read.add('header.event_id').add('header.tenant_id');
    }
  }
  return Object.fromEntries([...paths].map(([type, read]) => [type, [...read].sort()]));
}
