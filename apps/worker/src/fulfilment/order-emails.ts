import { emailJobId } from '@simple-shop/queue';
import type { WorkerDependencies } from '../deps';

/**
 * Queues emails that an outcome committed to the outbox. If Redis is unavailable the outbox
 * document stays `pending` and reconciliation queues it later: nothing is lost.
 */
export async function queueEmails(
  deps: Pick<WorkerDependencies, 'queues' | 'logger'>,
  outboxIds: readonly string[],
  correlationId?: string,
): Promise<void> {
  for (const outboxId of outboxIds) {
    try {
      await deps.queues.emails.add(
        'send',
        { outboxId, ...(correlationId ? { correlationId } : {}) },
        { jobId: emailJobId(outboxId) },
      );
    } catch (error) {
      deps.logger.warn({ outboxId, err: error }, 'email recorded but not queued; reconciliation will queue it');
    }
  }
}
