/** The one duration rule (pure): `30s`, `5m`, `1h`, `250ms` or plain milliseconds → milliseconds, else undefined. */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

export function durationMs(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (units[match[2] ?? 'ms'] as number));
}
