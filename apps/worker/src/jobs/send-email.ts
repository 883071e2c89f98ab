import { secretDataUnset, type EmailOutboxDoc } from '@simple-shop/db';
import type { EmailPayload } from '@simple-shop/queue';
import { UnrecoverableError, type Job } from 'bullmq';
import type { WorkerDependencies } from '../deps';
import { EmailTemplateError, renderEmail } from '../email/templates';
import type { Mailer } from '../email/transport';

export type SendEmailResult =
  { status: 'sent'; messageId: string } | { status: 'already-sent' } | { status: 'claimed-elsewhere' };

/** How long a send may take before its claim is considered abandoned (worker died mid-send). */
export const SEND_LEASE_MS = 5 * 60_000;

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
 * rendered or does not exist fails at once (UnrecoverableError). At most once: an attempt claims
 * the document (pending → sending) before it talks to SMTP; if its process dies mid-send, the
 * email is marked `unknown` after a lease instead of being sent a second time.
 * Never logs the data or the body: a reset email carries a live token.
 */
export function sendEmailHandler(deps: Pick<WorkerDependencies, 'config' | 'database' | 'logger'>, mailer: Mailer) {
  const outbox = deps.database.collections.emailOutbox;
  /** Once an email is sent or failed for good its secret fields (a reset link) leave the database. */
  const scrub = (kind: string) => {
    const unset = secretDataUnset(kind);
    return unset ? { $unset: unset } : {};
  };

  /**
   * Another attempt holds the claim (or just finished). Sent: done. Being sent: retry later, when
   * it will be sent. A claim older than the lease belongs to a worker that died mid-send: whether
   * the server got the message is unknown, so it is parked as `unknown` rather than sent twice.
   */
  async function settleUnclaimed(outboxId: string, log: typeof deps.logger): Promise<SendEmailResult> {
    const current = await outbox.findOne({ _id: outboxId });
    if (!current || current.status === 'sent') return { status: 'already-sent' };
    if (current.status === 'sending' && current.claimedAt && Date.now() - current.claimedAt.getTime() > SEND_LEASE_MS) {
      const parked = await outbox.updateOne(
        { _id: outboxId, status: 'sending', claimedBy: current.claimedBy },
        { $set: { status: 'unknown', lastError: 'worker stopped while sending; not re-sent (at most once)' } },
      );
      if (parked.modifiedCount === 1) {
        log.error(
          { outboxId, alert: 'email_outcome_unknown' },
          'email outcome unknown after a crash mid-send; not re-sent',
        );
      }
      return { status: 'already-sent' };
    }
    if (current.status === 'unknown') return { status: 'already-sent' };
    // Another live attempt holds the claim: it sends, or releases the claim (and its own job
    // retries). Retrying here would only burn this job's attempts.
    log.info({ outboxId, status: current.status }, 'email claimed by another attempt; leaving it to that one');
    return { status: 'claimed-elsewhere' };
  }

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
        {
          $set: { status: 'failed', lastError: error.message, lastAttemptAt: new Date() },
          $inc: { attempts: 1 },
          ...scrub(doc.kind),
        },
      );
      throw new UnrecoverableError(error.message);
    }

    const messageId = messageIdFor(outboxId);
    // Claim the email for this attempt: only the claimant sends, so two runs of the same job (a
    // stalled lock, a job re-added after Redis lost it) cannot both send it.
    const claim = `${String(job.id)}#${job.attemptsMade + 1}#${process.pid}`;
    const claimedAt = new Date();
    const claimed = await outbox.updateOne(
      { _id: outboxId, status: { $in: ['pending', 'failed'] } },
      { $set: { status: 'sending', claimedBy: claim, claimedAt } },
    );
    if (claimed.modifiedCount !== 1) return settleUnclaimed(outboxId, log);

    try {
      await mailer.send(
        { from: deps.config.EMAIL_FROM, to: doc.to, messageId, ...rendered },
        { kind: doc.kind, outboxId, log },
      );
    } catch (error) {
      // The SMTP server refused or was unreachable: nothing was sent, so release the claim.
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await outbox.updateOne(
        { _id: outboxId, status: 'sending', claimedBy: claim },
        {
          $set: {
            status: lastAttempt ? ('failed' as const) : ('pending' as const),
            lastError: errorText(error),
            lastAttemptAt: new Date(),
          },
          $inc: { attempts: 1 },
          ...(lastAttempt ? scrub(doc.kind) : {}),
        },
      );
      throw error;
    }

    const now = new Date();
    await outbox.updateOne(
      { _id: outboxId, status: 'sending', claimedBy: claim },
      {
        $set: { status: 'sent', sentAt: now, messageId, lastAttemptAt: now },
        $inc: { attempts: 1 },
        ...scrub(doc.kind),
      },
    );
    return { status: 'sent', messageId };
  };
}
