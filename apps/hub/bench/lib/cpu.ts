import { readdir, readFile } from 'node:fs/promises';

// Linux clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream kernel).
const TICKS = 100;

async function statCpuSeconds(pid: number | string): Promise<{ comm: string; seconds: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may contain spaces; fields after it are space-separated.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of the full line, i.e. 11 and 12 after comm.
    return { comm, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, or 0 where /proc is missing. */
export async function processCpuSeconds(pid: number | undefined): Promise<number> {
  return pid === undefined ? 0 : ((await statCpuSeconds(pid))?.seconds ?? 0);
}

/**
 * CPU seconds of every live PostgreSQL process on this machine. Two cores are shared by the
 * load generator, the server and the database, so where they go explains the numbers.
 */
export async function postgresCpuSeconds(): Promise<number> {
  let total = 0;
  let entries: string[] = [];
  try {
    entries = await readdir('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await statCpuSeconds(entry);
    if (stat?.comm.startsWith('postgres')) total += stat.seconds;
  }
  return total;
}

/** Busy CPU seconds of the whole machine so far, summed over cores (from /proc/stat). */
export async function machineBusySeconds(): Promise<number> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait.
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = ticks.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
    return busy / TICKS;
  } catch {
    return 0;
  }
}
