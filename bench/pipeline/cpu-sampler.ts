// Where the machine's cores go during a step: CPU time of every process of
// the pipeline (this bench process with its producer and samplers, the
// projector, the detector, the Kafka broker, the ClickHouse server) over the
// hold window, as cores used and µs per event. Linux /proc only; a process
// it cannot see (e.g. inside a Docker VM) is left out and reported as such.
import { readdirSync, readFileSync } from 'node:fs';

export const CPU_ROLES = ['bench', 'projector', 'detector', 'kafka', 'clickhouse'] as const;
export type CpuRole = (typeof CPU_ROLES)[number];

export interface CpuShare {
  /** Average cores used over the window (1 = one core fully busy). */
  cores: number;
  /** CPU µs per event of the load over the window. */
  usPerEvent: number;
}

export interface CpuBreakdown {
  seconds: number;
  byRole: Partial<Record<CpuRole, CpuShare>>;
  /** Sum over the roles seen. */
  total: CpuShare;
  /** Roles whose process was not found. */
  unseen: CpuRole[];
}

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in seconds; undefined once it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3 of stat(5), so utime (14) and stime (15) are items 11 and 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The first process whose command line contains `part`. */
export function pidByCommandLine(part: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(part)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The infrastructure's processes as infra/local starts them (the broker's main class, the server binary). */
export function infraPids(): Partial<Record<CpuRole, number>> {
  return { kafka: pidByCommandLine('kafka.Kafka'), clickhouse: pidByCommandLine('clickhouse-server') };
}

type Reading = { atMs: number; seconds: Partial<Record<CpuRole, number>> };

export class CpuSampler {
  private from?: Reading;

  constructor(private readonly pids: Partial<Record<CpuRole, number>>) {}

  private read(): Reading {
    const seconds: Partial<Record<CpuRole, number>> = {};
    for (const role of CPU_ROLES) {
      if (role === 'bench') {
        const u = process.cpuUsage();
        seconds.bench = (u.user + u.system) / 1e6;
        continue;
      }
      const pid = this.pids[role];
      const s = pid === undefined ? undefined : cpuSecondsOf(pid);
      if (s !== undefined) seconds[role] = s;
    }
    return { atMs: performance.now(), seconds };
  }

  /** Starts the window. */
  start(): void {
    this.from = this.read();
  }

  /** Ends the window, under a load of `eventsPerSecond`. */
  stop(eventsPerSecond: number): CpuBreakdown | undefined {
    if (!this.from) return undefined;
    const to = this.read();
    const seconds = (to.atMs - this.from.atMs) / 1000;
    const events = eventsPerSecond * seconds;
    const share = (cpu: number): CpuShare => ({ cores: round(cpu / seconds, 2), usPerEvent: round((cpu * 1e6) / Math.max(1, events), 1) });
    const byRole: CpuBreakdown['byRole'] = {};
    const unseen: CpuRole[] = [];
    let total = 0;
    for (const role of CPU_ROLES) {
      const a = this.from.seconds[role];
      const b = to.seconds[role];
      if (a === undefined || b === undefined) {
        unseen.push(role);
        continue;
      }
      byRole[role] = share(b - a);
      total += b - a;
    }
    return { seconds: round(seconds, 1), byRole, total: share(total), unseen };
  }
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
