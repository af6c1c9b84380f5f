/** `30s`, `5m`, `1h`, `250ms` or plain milliseconds → milliseconds; a UsageError for anything else. */
import { GitfedError } from '../model/diagnostic.ts';
import { durationMs } from '../model/duration.ts';

export function parseDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new GitfedError('UsageError', `"${text}" is not a duration; use e.g. 30s, 5m or 1h`);
  return ms;
}
