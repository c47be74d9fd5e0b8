import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Lints `code` as if it were a source file at `relPath`, with the repository's own config. */
async function lintAs(relPath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, relPath) });
  assert.ok(result);
  return result.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

const BAD = `import { readFileSync } from 'node:fs';
export function stamp(): number {
  return Date.now() + Math.random() + readFileSync('/x').length;
}
`;

describe('determinism lint for pure cores', { timeout: 120_000 }, () => {
  for (const pkg of ['raft', 'scheduler', 'cib', 'sim']) {
    it(`fires on node:fs, Date.now() and Math.random() in packages/${pkg}`, async () => {
      const msgs = await lintAs(`packages/${pkg}/src/index.ts`, BAD);
      assert.ok(
        msgs.some((m) => m.startsWith('no-restricted-imports') && m.includes('node:')),
        msgs.join('\n'),
      );
      assert.ok(
        msgs.some((m) => m.startsWith('no-restricted-globals') && m.includes("'Date'")),
        msgs.join('\n'),
      );
      assert.ok(
        msgs.some((m) => m.startsWith('no-restricted-properties') && m.includes('Math.random')),
        msgs.join('\n'),
      );
    });
  }

  it('fires on timers and process in the controller decision code', async () => {
    const msgs = await lintAs(
      'packages/controller/src/decide/index.ts',
      'export const x = (): void => { setTimeout(() => undefined, 1); process.exit(1); };\n',
    );
    assert.ok(
      msgs.some((m) => m.includes("'setTimeout'")),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) => m.includes("'process'")),
      msgs.join('\n'),
    );
  });

  it('allows the same code in an I/O package', async () => {
    const msgs = await lintAs('packages/daemon/src/index.ts', BAD);
    assert.deepEqual(
      msgs.filter((m) => m.startsWith('no-restricted')),
      [],
    );
  });
});
