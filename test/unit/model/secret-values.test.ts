import { describe, expect, it } from 'vitest';
import { redactedMark, redactorFor, scrubSecrets, secretValuesOf } from '../../../src/model/secret-values.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const secret = (body: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, ...body });

const pem = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  '  q3ZxW5vTrYpKl0mNnOoPpQqRrSsTtUuVvWwXxYyZz0123456789  ',
  '-----END PRIVATE KEY-----',
].join('\n');

describe('secretValuesOf', () => {
  const plain = 'hunter2-SUPER-secret';

  it('hides data values as written and decoded, and keeps the entry keys readable', () => {
    const values = secretValuesOf(secret({ data: { password: b64(plain), ab: 'YQ==' } }));
    expect(values.length).toBeGreaterThan(0);
    expect(values).toEqual(expect.arrayContaining([b64(plain), plain, 'YQ==']));
    expect(values).not.toContain('password');
    expect(values).not.toContain('a'); // decoded, but too short to hide
  });

  it('hides stringData values as written and base64-encoded, as the apiserver echoes them under data', () => {
    const values = secretValuesOf(secret({ stringData: { token: 'tok-123456' } }));
    expect(values).toEqual(expect.arrayContaining(['tok-123456', b64('tok-123456')]));
    expect(values).not.toContain('token');
  });

  it('hides a multi-line value whole, line by line (trimmed) and as the apiserver quotes it, from data and stringData', () => {
    for (const values of [secretValuesOf(secret({ stringData: { 'tls.key': pem } })), secretValuesOf(secret({ data: { 'tls.key': b64(pem) } }))]) {
      expect(values).toEqual(expect.arrayContaining([pem, ...pem.split('\n').map((line) => line.trim()), JSON.stringify(pem).slice(1, -1)]));
    }
  });

  it('hides nested values, lists and maps under data or stringData, keys of nested maps included', () => {
    const values = secretValuesOf(
      secret({ data: { odd: [b64(plain)], deeper: { list: [{ 'inner-key': 'deep-value' }] } }, stringData: { nested: { inner: 'tok-123456' } } }),
    );
    expect(values).toEqual(expect.arrayContaining([b64(plain), plain, 'deep-value', 'inner-key', 'list', 'tok-123456', 'inner']));
    expect(values).not.toContain('odd');
    expect(values).not.toContain('nested');
  });

  it('hides the decoded form of binary data whole but never its fragments, which would garble messages', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x0a, 0x63, 0x6f, 0x6d, 0x0a, 0xfd, 0x80]).toString('base64');
    const values = secretValuesOf(secret({ data: { keystore: binary } }));
    expect(values).toContain(Buffer.from(binary, 'base64').toString('utf8'));
    expect(values).not.toContain('com');
  });

  it('counts a kind-less object (a patch of a Secret) and nothing of other kinds', () => {
    expect(secretValuesOf({ data: { password: b64(plain) } })).toContain(plain);
    expect(secretValuesOf({ kind: 'ConfigMap', data: { a: 'visible-value' } })).toEqual([]);
    expect(secretValuesOf({ kind: 'FederatedSecret', data: { a: 'visible-value' } })).toEqual([]);
  });

  it('lists longer values first, whatever order they were found in', () => {
    const one = secretValuesOf(secret({ stringData: { a: 'abc', b: 'abcdef', c: 'xyz' } }));
    const other = secretValuesOf(secret({ stringData: { c: 'xyz', b: 'abcdef', a: 'abc' } }));
    expect(one).toEqual(other);
    expect(one.indexOf('abcdef')).toBeLessThan(one.indexOf('abc'));
  });
});

describe('scrubSecrets', () => {
  const plain = 'hunter2-SUPER-secret';

  it('removes the values, quoted invalid values and typed-patch echoes, and keeps the field paths', () => {
    expect(scrubSecrets(`failed to create typed patch object (/s; /v1, Kind=Secret): .data.k: expected string, got &value.valueUnstructured{Value:[]interface {}{"${b64(plain)}"}}`, []))
      .toBe('failed to create typed patch object (/s; /v1, Kind=Secret): .data.k: expected string, got [redacted]');
    expect(scrubSecrets(`Secret "s" is invalid: data[bad key]: Invalid value: "${plain}": a valid config key`, []))
      .toBe('Secret "s" is invalid: data[bad key]: Invalid value: "[redacted]": a valid config key');
    expect(scrubSecrets(`something about ${plain} and ${b64(plain)}`, [b64(plain), plain])).toBe('something about [redacted] and [redacted]');
  });

  it('hides a value that contains another whole, whatever order the values are given in', () => {
    expect(scrubSecrets('token abc-long-value here', ['abc', 'abc-long-value'])).toBe('token [redacted] here');
  });

  it('hides a multi-line value echoed whole, escaped, or one line at a time', () => {
    const values = secretValuesOf(secret({ stringData: { 'tls.key': pem } }));
    const escaped = JSON.stringify(pem);
    for (const message of [`key ${pem} refused`, `value ${escaped} refused`, `line ${pem.split('\n')[2]!.trim()} refused`]) {
      const scrubbed = scrubSecrets(message, values);
      expect(scrubbed).toContain(redactedMark);
      for (const line of pem.split('\n')) expect(scrubbed).not.toContain(line.trim());
    }
  });
});

describe('redactorFor', () => {
  const objects = [
    secret({ data: { password: b64('db-password-123') }, stringData: { token: 'tok-abcdef' } }),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { color: 'visible-blue' } },
  ];

  it('hides the values of every Secret among the objects and nothing of the others', () => {
    const redactor = redactorFor(objects);
    expect(redactor.text('db-password-123 / tok-abcdef / visible-blue')).toBe('[redacted] / [redacted] / visible-blue');
    expect(redactor.text(`encoded ${b64('db-password-123')} and ${b64('tok-abcdef')}`)).toBe('encoded [redacted] and [redacted]');
  });

  it('hides what secretValuesOf finds in each Secret, however many Secrets share values (per field, nested ones too)', () => {
    const shared = b64('shared-value-1');
    const secrets = [
      secret({ data: { a: shared }, stringData: { b: 'plain-two' } }),
      secret({ data: { c: shared, d: b64('only-here-3') } }),
      // The same text as data (base64, decoded) and as stringData (plain, encoded) hides different forms.
      secret({ stringData: { e: shared } }),
      secret({ data: { nested: { inner: 'deep-value-4' }, list: ['item-value-5'] } }),
      secret({ data: 'not-a-map-6' }),
    ];
    const redactor = redactorFor(secrets);
    const every = [...new Set(secrets.flatMap((object) => secretValuesOf(object)))];
    expect(every.length).toBeGreaterThan(8);
    for (const value of every) expect(redactor.text(`<${value}>`), value).not.toContain(value);
    expect(redactor.text(b64(shared))).toBe(redactedMark);
    expect(redactor.text('nested')).toBe('nested');
  });

  it('drops quoted offending values only from messages about a Secret', () => {
    const redactor = redactorFor(objects);
    const message = 'data[bad key]: Invalid value: "never-rendered-value": a valid config key';
    expect(redactor.text(message)).toBe(message);
    expect(redactor.secretMessage(message)).toBe('data[bad key]: Invalid value: "[redacted]": a valid config key');
  });
});
