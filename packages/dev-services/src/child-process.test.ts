import { describe, expect, it } from 'vitest';
import { startManagedProcess } from './child-process';

describe('startManagedProcess', () => {
  it('reports an early exit with the stderr tail', async () => {
    await expect(
      startManagedProcess({
        name: 'failing',
        command: 'sh',
        args: ['-c', 'echo starting; echo "boom: port busy" >&2; exit 3'],
        readyFromLine: (line) => (line === 'ready' ? true : undefined),
      }),
    ).rejects.toThrow(/failing exited before it was ready \(code 3[\s\S]*\[stderr\] boom: port busy/);
  });

  it('gives up after the ready timeout and kills the process', async () => {
    const started = Date.now();
    await expect(
      startManagedProcess({
        name: 'slow',
        command: 'sh',
        args: ['-c', 'echo "still loading"; sleep 30'],
        readyTimeoutMs: 300,
        readyFromLine: (line) => (line === 'ready' ? true : undefined),
      }),
    ).rejects.toThrow(/slow did not become ready within 300 ms[\s\S]*still loading/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('explains a missing command', async () => {
    await expect(
      startManagedProcess({
        name: 'ghost',
        command: 'definitely-not-a-command-xyz',
        args: [],
        notFoundHint: 'Install it.',
        readyFromLine: () => true,
      }),
    ).rejects.toThrow(/ghost could not be started.*ENOENT.*Install it\./);
  });
});
