import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * `pnpm soak` and `pnpm bench` are plain node scripts, not vitest runs. vitest refuses to load outside
 * its own runner, so a script that reaches the harness' index (which loads vitest) dies at start-up —
 * `pnpm soak` was broken that way once without any test noticing. These load the scripts' module
 * graphs in a plain node process, as `pnpm soak` / `pnpm bench` do.
 */
const plainNode = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('plain scripts load outside vitest', () => {
  it('pnpm soak --help', () => {
    const result = plainNode(['soak/run.ts', '--help']);
    expect(result.stderr).not.toMatch(/Vitest failed/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/pnpm soak \[--duration/);
  });

  it("the bench's modules", () => {
    const result = plainNode([
      '--input-type=module',
      '-e',
      "await import('./bench/data.ts'); await import('./bench/processes.ts');",
    ]);
    expect(result.stderr).not.toMatch(/Vitest failed/);
    expect(result.status).toBe(0);
  });
});
