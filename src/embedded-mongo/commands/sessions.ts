/**
 * The logical sessions this store has seen (every command's `lsid`), for `$listLocalSessions`: like mongod's
 * in-memory session cache, a bounded set keyed by session id with the time of last use, forgotten on
 * `endSessions` / `killSessions` and after the logical session timeout.
 */
import { createHash } from 'node:crypto';
import { Binary, type Document } from 'bson';
import { keyOf } from '../engine';

/** Sessions remembered at most; the least recently used is forgotten first. */
export const MAX_LOCAL_SESSIONS = 10_000;
/** With no authentication every session belongs to the same (empty) user: mongod's uid is SHA-256 of "". */
const ANONYMOUS_UID = new Binary(createHash('sha256').update('').digest());

interface LocalSession {
  readonly id: unknown;
  lastUse: Date;
}

export class LocalSessions {
  private readonly sessions = new Map<string, LocalSession>();

  constructor(
    private readonly timeoutMs: number,
    private readonly capacity: number = MAX_LOCAL_SESSIONS,
  ) {}

  /** Notes a command's `lsid` (if any) as used now. */
  touch(lsid: unknown): void {
    const id = (lsid as Document | undefined)?.id;
    if (id === undefined) return;
    const key = keyOf(id);
    this.sessions.delete(key);
    this.sessions.set(key, { id, lastUse: new Date() });
    if (this.sessions.size > this.capacity) this.sessions.delete(this.sessions.keys().next().value as string);
  }

  /** Forgets the sessions listed by endSessions / killSessions (`[{ id }, ...]`). */
  end(lsids: unknown): void {
    if (!Array.isArray(lsids)) return;
    for (const lsid of lsids) {
      const id = (lsid as Document | undefined)?.id;
      if (id !== undefined) this.sessions.delete(keyOf(id));
    }
  }

  /** The live sessions as `$listLocalSessions` returns them. */
  list(): Document[] {
    const cutoff = Date.now() - this.timeoutMs;
    const out: Document[] = [];
    for (const [key, s] of this.sessions) {
      if (s.lastUse.getTime() < cutoff) {
        this.sessions.delete(key);
        continue;
      }
      out.push({ _id: { id: s.id, uid: ANONYMOUS_UID }, lastUse: s.lastUse });
    }
    return out;
  }
}
