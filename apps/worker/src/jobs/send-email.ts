import type { EmailOutboxDoc } from '@simple-shop/db';
import type { EmailPayload } from '@simple-shop/queue';
import { UnrecoverableError, type Job } from 'bullmq';
import type { WorkerDependencies } from '../deps';
import { EmailTemplateError, renderEmail } from '../email/templates';
import type { Mailer } from '../email/transport';

export type SendEmailResult = { status: 'sent'; messageId: string } | { status: 'already-sent' };

export function messageIdFor(outboxId: string): string {
  return `<${outboxId}@simple-shop>`;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

/**
 * `emails` queue: sends the outbox document named by the job. Idempotent: a sent document is
 * not sent again. A send failure is recorded on the document (`lastError`) and rethrown so BullMQ
 * retries with backoff; the last failed attempt marks it `failed`. A document that cannot be
 * rendered or does not exist fails at once (UnrecoverableError). If the process dies between
 * sending and recording, the retry sends again with the same Message-ID (at-least-once).
 * Never logs the data or the body: a reset email carries a live token.
 */
export function sendEmailHandler(deps: Pick<WorkerDependencies, 'config' | 'database' | 'logger'>, mailer: Mailer) {
  const outbox = deps.database.collections.emailOutbox;
  return async (job: Job<EmailPayload>): Promise<SendEmailResult> => {
    const { outboxId, correlationId } = job.data;
    const log = deps.logger.child({ queue: 'emails', jobId: job.id, correlationId });
    const doc: EmailOutboxDoc | null = await outbox.findOne({ _id: outboxId });
    if (!doc) throw new UnrecoverableError(`email ${outboxId} is not in the outbox`);
    if (doc.status === 'sent') {
      log.info({ outboxId }, 'email already sent; nothing to do');
      return { status: 'already-sent' };
    }

    let rendered;
    try {
      rendered = renderEmail(doc.kind, doc.data);
    } catch (error) {
      if (!(error instanceof EmailTemplateError)) throw error;
      await outbox.updateOne(
        { _id: outboxId, status: { $ne: 'sent' } },
        { $set: { status: 'failed', lastError: error.message, lastAttemptAt: new Date() }, $inc: { attempts: 1 } },
      );
      throw new UnrecoverableError(error.message);
    }

    const messageId = messageIdFor(outboxId);
    try {
      await mailer.send(
        { from: deps.config.EMAIL_FROM, to: doc.to, messageId, ...rendered },
        { kind: doc.kind, outboxId, log },
      );
    } catch (error) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await outbox.updateOne(
        { _id: outboxId, status: { $ne: 'sent' } },
        {
          $set: {
            lastError: errorText(error),
            lastAttemptAt: new Date(),
            ...(lastAttempt ? { status: 'failed' as const } : {}),
          },
          $inc: { attempts: 1 },
        },
      );
      throw error;
    }

    const now = new Date();
    await outbox.updateOne(
      { _id: outboxId, status: { $in: ['pending', 'failed'] } },
      { $set: { status: 'sent', sentAt: now, messageId, lastAttemptAt: now }, $inc: { attempts: 1 } },
    );
    return { status: 'sent', messageId };
  };
}
