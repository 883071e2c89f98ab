import { createHash } from 'node:crypto';

/**
 * A catalog answer ready to send: the response bytes and their ETag (200), or "not found" (404).
 * Built once per (key, generation) and then sent as-is, so a hit costs no parse, no serialisation
 * and no hashing.
 */
export interface Answer {
  /** The catalog generation the answer was read at (valid while Redis still holds that generation). */
  readonly generation: string;
  /** JSON bytes of a 200 answer; null = 404 (unknown, inactive or deleted product). */
  readonly body: Buffer | null;
  readonly etag: string;
  readonly size: number;
}

const ENTRY_OVERHEAD = 160;

/** A strong ETag: the SHA-1 of the bytes (the same answer keeps its ETag across generations). */
export function etagOf(body: Buffer | string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

export function answer(generation: string, key: string, body: Buffer | null): Answer {
  return {
    generation,
    body,
    etag: body ? etagOf(body) : '',
    size: key.length * 2 + (body?.length ?? 0) + ENTRY_OVERHEAD,
  };
}

/**
 * The in-process tier in front of Redis: answers by key ("p:<id>" or "g:<page hash>"), bounded in
 * bytes (oldest entries go first). An entry is only ever used after the same request's Redis round
 * trip confirmed that the catalog generation is still the one it was read at (read-gate.ts), so it
 * can never be staler than Redis itself: a write anywhere bumps the generation before it answers.
 */
export class LocalAnswers {
  private readonly entries = new Map<string, Answer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  get(key: string): Answer | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: Answer): void {
    if (!this.enabled || value.size > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.size;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.bytes += value.size;
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.entries().next().value as [string, Answer] | undefined;
      if (!oldest) break;
      this.entries.delete(oldest[0]);
      this.bytes -= oldest[1].size;
    }
  }

  /** Drops everything (a Redis outage: generations seen before it can not be trusted after it). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
