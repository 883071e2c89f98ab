import { describe, expect, it, vi } from 'vitest';
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
    let pid = 0;
    await expect(
      startManagedProcess({
        name: 'slow',
        command: 'sh',
        // Prints its pid, then becomes a 30 s sleep (same pid): it never gets ready by itself.
        args: ['-c', 'echo "pid $$"; echo "still loading"; exec sleep 30'],
        readyTimeoutMs: 300,
        readyFromLine: (line) => {
          const match = /^pid (\d+)$/.exec(line);
          if (match) pid = Number(match[1]);
          return line === 'ready' ? true : undefined;
        },
      }),
    ).rejects.toThrow(/slow did not become ready within 300 ms[\s\S]*still loading/);
    // Killed, not left to finish its sleep: the process is gone (checked, not timed).
    expect(pid).toBeGreaterThan(0);
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(), { timeout: 10_000 });
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
