/** `30s`, `5m`, `1h`, `250ms` or plain milliseconds → milliseconds; a UsageError for anything else. */
import { GitfedError } from '../model/diagnostic.ts';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new GitfedError('UsageError', `"${text}" is not a duration; use e.g. 30s, 5m or 1h`);
  return Math.round(Number(match[1]) * (units[match[2] ?? 'ms'] as number));
}
