/** CPU time of a lab's processes, read from /proc, for benchmarks that compare a client with the members it drives. */
import { readdir, readFile } from 'node:fs/promises';

/** CPU time (ms) the lab's processes have used so far: those whose command line names the lab directory. */
export async function labCpuMs(labDir: string): Promise<number> {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(labDir)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / tick; // utime + stime
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}
