/**
 * How busy the machine was while a scenario ran, from /proc (Linux): cores used in total, by the
 * bench's own processes (load generator, API, worker, simulator, MongoDB, Redis) and by everything
 * else. A shared machine (other builds or tests running) makes every throughput figure smaller and
 * every latency larger; the report shows this next to the figures instead of hiding it.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

const HZ = 100; // USER_HZ: 100 on every mainstream Linux (getconf CLK_TCK)

export interface LoadSample {
  at: number;
  totalJiffies: number;
  idleJiffies: number;
  perPid: Map<number, number>;
}

export interface MachineLoad {
  /** Cores busy in user and system time on the whole machine on average (interrupts excluded). */
  busyCores: number;
  /** Cores used by the bench's processes (including the load generator). */
  benchCores: number;
  /** Cores used by the load generator alone (this process). */
  loadGeneratorCores: number;
  /** Cores used by everything else on the machine. */
  otherCores: number;
  loadAvg1: number;
}

function pidJiffies(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

export function sample(pids: readonly number[]): LoadSample | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const total = cpu.slice(0, 8).reduce((s, v) => s + v, 0);
    // Interrupt time (loopback networking of the bench's own traffic) is charged to no process:
    // count it as idle here so that it does not show up as "other" load.
    const idle = total - ((cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0));
    const perPid = new Map<number, number>();
    for (const pid of pids) {
      const j = pidJiffies(pid);
      if (j !== undefined) perPid.set(pid, j);
    }
    return { at: performance.now(), totalJiffies: total, idleJiffies: idle, perPid };
  } catch {
    return undefined;
  }
}

export function between(a: LoadSample | undefined, b: LoadSample | undefined): MachineLoad | undefined {
  if (!a || !b) return undefined;
  const seconds = (b.at - a.at) / 1000;
  const total = b.totalJiffies - a.totalJiffies;
  if (seconds <= 0 || total <= 0) return undefined;
  const cores = os.cpus().length;
  const busyCores = ((total - (b.idleJiffies - a.idleJiffies)) / total) * cores;
  let ours = 0;
  for (const [pid, j] of b.perPid) {
    const before = a.perPid.get(pid);
    if (before !== undefined) ours += j - before;
  }
  const benchCores = ours / HZ / seconds;
  const self = (b.perPid.get(process.pid) ?? 0) - (a.perPid.get(process.pid) ?? 0);
  return {
    busyCores,
    benchCores,
    loadGeneratorCores: self / HZ / seconds,
    otherCores: Math.max(0, busyCores - benchCores),
    loadAvg1: os.loadavg()[0] ?? 0,
  };
}

/** The pids whose CPU counts as the bench's own; set once the processes are started. */
export const benchPids = new Set<number>([process.pid]);

/** CPU seconds one process used between two samples (undefined when it was not sampled). */
export function pidCpuSeconds(a: LoadSample | undefined, b: LoadSample | undefined, pid: number): number | undefined {
  const before = a?.perPid.get(pid);
  const after = b?.perPid.get(pid);
  return before === undefined || after === undefined ? undefined : (after - before) / HZ;
}
