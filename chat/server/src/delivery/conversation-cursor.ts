/**
 * The per-socket, per-conversation delivery state: `sentUpTo` is the high-water mark of
 * what this socket has been sent (not what the device acked — that lives in SQL), and
 * `knownEnd` the highest seq the socket has heard of. A live message is sent only when it
 * is exactly the next one; one at or below the mark is a duplicate; one beyond it is a gap
 * that must be read from the log first. That rule is what makes the wire gapless and
 * duplicate-free per connection, whichever order events arrive in.
 */

export type LiveDecision = 'send' | 'duplicate' | 'gap';

export class ConversationCursor {
  sentUpTo: number;
  knownEnd: number;
  /** Bumped when a `sync` rewinds the cursor, so a log read started before it is discarded. */
  epoch = 0;
  /** A `caught-up` frame for this conversation is owed once its backlog is sent (a `sync` asked for it). */
  caughtUpOwed = false;

  constructor(sentUpTo: number, knownEnd = sentUpTo) {
    this.sentUpTo = sentUpTo;
    this.knownEnd = Math.max(knownEnd, sentUpTo);
  }

  /** Classifies a live message's seq; `send` also advances the mark (the caller sends it). */
  offer(seq: number): LiveDecision {
    if (seq <= this.sentUpTo) return 'duplicate';
    if (seq > this.knownEnd) this.knownEnd = seq;
    if (seq !== this.sentUpTo + 1) return 'gap';
    this.sentUpTo = seq;
    return 'send';
  }

  /** Rewinds (or advances) to an explicit point, as a `sync` asks; reads in flight become stale. */
  rewind(toSeq: number): void {
    this.sentUpTo = toSeq;
    this.epoch++;
  }

  /** Whether the log may hold messages this socket has not been sent. */
  get behind(): boolean {
    return this.knownEnd > this.sentUpTo;
  }
}
