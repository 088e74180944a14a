/**
 * Retention job for the analyst database: drops whole monthly partitions past
 * the policy's retentionDays and records the policy limits the evidence views
 * compare against (policy_limits). One JSON line per action on stdout; exit 1
 * when a drop failed, 2 on bad arguments or configuration.
 *
 *   node .local/retention/scripts/retention.js [--policy config/policy.json] [--database NAME] [--dry-run]
 *
 * Run from the repository root (ts-node is not installed, so compile first):
 *   npx tsc --outDir .local/retention --module commonjs --target es2022 --types node --skipLibCheck \
 *     --esModuleInterop --strict scripts/retention.ts && node .local/retention/scripts/retention.js --dry-run
 * Connection and default database come from TW_CLICKHOUSE_* (libs/config).
 */
import { resolve } from 'node:path';
import { ClickHouseStore, clickHouseOptionsFromConfig } from '../libs/clickhouse/src/index';
import { applyRetention } from '../libs/clickhouse/src/retention';
import { recordPolicyLimits } from '../libs/clickhouse/src/retention-policy-limits';
import { loadInfraConfig } from '../libs/config/src/index';
import { loadPolicyFile, Policy } from '../libs/policy/src/index';

interface Args {
  policyPath: string;
  database?: string;
  dryRun: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { policyPath: 'config/policy.json', dryRun: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--dry-run') args.dryRun = true;
    else if (a === '--policy' && i + 1 < argv.length) args.policyPath = argv[++i];
    else if (a === '--database' && i + 1 < argv.length) args.database = argv[++i];
    else throw new Error(`unknown or incomplete argument ${JSON.stringify(a)}`);
  }
  return args;
}

const line = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(entry)}\n`);

function limitsOf(policy: Policy) {
  return {
    access_token_lifetime_seconds: policy.accessToken.lifetimeSeconds,
    refresh_token_lifetime_seconds: policy.refreshToken.lifetimeSeconds,
    key_rotation_days: policy.keys.rotationPeriodDays,
    retention_days: policy.retentionDays,
  };
}

async function main(): Promise<number> {
  let args: Args;
  let policy: Policy;
  let config: ReturnType<typeof loadInfraConfig>;
  try {
    args = parseArgs(process.argv.slice(2));
    config = loadInfraConfig(process.env);
    policy = loadPolicyFile(resolve(args.policyPath));
  } catch (err) {
    process.stderr.write(`retention: ${(err as Error).message}\n`);
    return 2;
  }
  const database = args.database ?? config.TW_CLICKHOUSE_DATABASE;
  const store = new ClickHouseStore(clickHouseOptionsFromConfig(config));
  try {
    if (!args.dryRun) {
      const written = await recordPolicyLimits(store, {
        database, limits: limitsOf(policy), source: `policy ${policy.policyVersion}`,
      });
      line({ action: 'policy_limits', database, written });
    }
    const result = await applyRetention(store, {
      database, retentionDays: policy.retentionDays, dryRun: args.dryRun, log: (entry) => line({ ...entry }),
    });
    line({ action: 'summary', database, retention_days: policy.retentionDays, cutoff: result.cutoff,
      dropped: result.dropped.length, skipped: result.skipped.length, failed: result.failed.length, kept: result.kept });
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`retention: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
