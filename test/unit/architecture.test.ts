import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => message.ruleId ?? '');
}

describe('architecture rules (docs/architecture.md)', () => {
  it('rejects an effectful library in a pure folder', async () => {
    expect(await ruleIds('src/render/example.ts', "import { readFile } from 'node:fs/promises';\nexport const f = readFile;\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds('src/model/example.ts', "import { pino } from 'pino';\nexport const f = pino;\n")).toContain('no-restricted-imports');
  });

  it('holds the rollout stage machine to the pure rule', async () => {
    expect(await ruleIds('src/rollout/example.ts', "import { applyAll } from '../apply/apply-all.ts';\nexport const f = applyAll;\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds('src/rollout/example.ts', 'export const f = () => process.env;\n')).toContain('no-restricted-globals');
  });

  it('rejects an effectful module in a pure folder', async () => {
    expect(await ruleIds('src/plan/example.ts', "import { applyAll } from '../apply/apply-all.ts';\nexport const f = applyAll;\n")).toContain(
      'no-restricted-imports',
    );
  });

  it('rejects the edges from effectful modules', async () => {
    expect(await ruleIds('src/apply/example.ts', "import { run } from '../cli/main.ts';\nexport const f = run;\n")).toContain(
      'no-restricted-imports',
    );
  });

  it('lets pure modules import each other and edges import anything', async () => {
    expect(await ruleIds('src/render/example.ts', "import { error } from '../model/diagnostic.ts';\nexport const f = error;\n")).toEqual([]);
    expect(await ruleIds('src/cli/example.ts', "import { applyAll } from '../apply/apply-all.ts';\nexport const f = applyAll;\n")).toEqual([]);
  });
});
