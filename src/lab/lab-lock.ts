/**
 * One `up` or `down` at a time per lab directory: two concurrent starts would fight over etcd data and process
 * records. The lock is a file holding the owner's pid; a lock whose owner died is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { GitfedError } from '../model/diagnostic.ts';
import { labPaths } from './lab-paths.ts';

export async function acquireLabLock(dir: string): Promise<() => Promise<void>> {
  const file = labPaths(dir).lock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) {
        throw new GitfedError('UsageError', `another gitfed (pid ${owner}) is starting or stopping the lab in ${labPaths(dir).dir}; wait for it to finish`);
      }
      await rm(file, { force: true });
    }
  }
  throw new GitfedError('InternalError', `could not take the lab lock ${file}; remove it if no gitfed runs on this lab`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
