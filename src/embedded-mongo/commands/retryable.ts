/**
 * Retryable writes (MongoDB "Retryable Writes" spec): a write sent with `lsid` + `txnNumber` runs once per
 * (session, txnNumber). A retry after a lost reply gets the first execution's reply instead of running again.
 * Like mongod, only the latest txnNumber of each session is remembered; a bounded number of sessions is kept.
 */
import type { Document } from 'bson';
import { keyOf } from '../engine';

/** Commands the driver retries as retryable writes. */
export const RETRYABLE_WRITE_COMMANDS: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);
/** Sessions remembered at most; the least recently written session is forgotten first. */
export const MAX_REMEMBERED_SESSIONS = 10_000;

interface Executed {
  txnNumber: number;
  reply: Promise<Document>;
}

export class RetryableWrites {
  private readonly sessions = new Map<string, Executed>();

  constructor(private readonly capacity: number = MAX_REMEMBERED_SESSIONS) {}

  /** Runs `execute` unless this (session, txnNumber) already ran, in which case its reply is returned. */
  run(name: string, command: Document, execute: () => Promise<Document>): Promise<Document> {
    const txnNumber = Number(command.txnNumber);
    const lsid = command.lsid as Document | undefined;
    if (!RETRYABLE_WRITE_COMMANDS.has(name) || !lsid || !Number.isFinite(txnNumber)) return execute();
    const session = keyOf(lsid.id);
    const previous = this.sessions.get(session);
    if (previous && previous.txnNumber === txnNumber) return previous.reply;
    const reply = execute();
    this.sessions.delete(session);
    this.sessions.set(session, { txnNumber, reply });
    if (this.sessions.size > this.capacity) this.sessions.delete(this.sessions.keys().next().value as string);
    return reply;
  }
}
