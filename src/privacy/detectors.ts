/**
 * Value detectors: each finds the character ranges of one kind of sensitive value inside a string.
 * Every built-in detector runs in time linear in the string's length (hand-written scans, or regular
 * expressions without ambiguous repetition); user patterns run on RE2 (re2js), which never backtracks.
 */
import { RE2JS } from 're2js';

/** A half-open character range [start, end) of a match. */
export type Match = readonly [start: number, end: number];

/**
 * What a detector finds in text with nothing sensitive (most text): one shared empty list, no allocation. Not
 * frozen (a frozen array slows every loop over a detector's result); the readonly type keeps callers off it.
 */
const NO_MATCHES: readonly Match[] = [];

export interface Detector {
  /** Ranges of the sensitive values in `text`, in increasing order, not overlapping. */
  find(text: string): readonly Match[];
  /** The text hashed for a match: equal values must hash equally (a card's digits without separators). */
  normalise(matched: string): string;
}

export const BUILTIN_DETECTORS = ['card', 'email', 'bearer', 'jwt'] as const;
export type BuiltinDetector = (typeof BUILTIN_DETECTORS)[number];

const identity = (s: string): string => s;

/**
 * Payment card numbers: 13 to 19 digits, optionally grouped by single spaces or dashes, passing the Luhn
 * check. A maximal run of digits (and single separators between them) is one candidate: a 20-digit run is
 * no card, and a 16-digit order id failing Luhn is left alone.
 */
export const cardDetector: Detector = {
  find(text) {
    let out: Match[] | null = null;
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (!isDigit(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const start = i;
      let end = i;
      let digits = 0;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (isDigit(c)) {
          digits++;
          i++;
          end = i;
        } else if ((c === 0x20 || c === 0x2d) && i + 1 < n && isDigit(text.charCodeAt(i + 1))) {
          i++;
        } else break;
      }
      if (digits >= 13 && digits <= 19 && luhn(text.slice(start, end))) (out ??= []).push([start, end]);
    }
    return out ?? NO_MATCHES;
  },
  normalise: (matched) => matched.replace(/[ -]/g, ''),
};

/** The Luhn (mod 10) check over the digits of `text`, ignoring anything else. */
export function luhn(text: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    let d = c - 0x30;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * E-mail addresses: local@domain.tld. Scans outward from each `@` over the characters a local part and a
 * domain may hold, so the cost stays linear however many `@` there are.
 */
export const emailDetector: Detector = {
  find(text) {
    let out: Match[] | null = null;
    let at = text.indexOf('@');
    let floor = 0;
    while (at !== -1) {
      let start = at;
      while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
      let end = at + 1;
      while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
      while (end > at + 1 && (text.charCodeAt(end - 1) === 0x2e || text.charCodeAt(end - 1) === 0x2d)) end--;
      const domain = text.slice(at + 1, end);
      const dot = domain.lastIndexOf('.');
      if (start < at && dot > 0 && /^[A-Za-z]{2,}$/.test(domain.slice(dot + 1))) {
        (out ??= []).push([start, end]);
        floor = end;
      }
      at = text.indexOf('@', at + 1);
    }
    return out ?? NO_MATCHES;
  },
  normalise: identity,
};

/** `Bearer <token>` as sent in an Authorization header (RFC 6750 token characters). */
export const bearerDetector: Detector = regexDetector(/\bbearer[ \t]+[A-Za-z0-9\-._~+/]+=*/gi, /bearer/i);

/** JSON Web Tokens: three base64url parts, the header starting `eyJ` (`{"`). */
export const jwtDetector: Detector = regexDetector(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, /eyJ/);

export const BUILTIN: Record<BuiltinDetector, Detector> = { card: cardDetector, email: emailDetector, bearer: bearerDetector, jwt: jwtDetector };

/**
 * A user-supplied pattern, compiled by RE2 (linear time, no backreferences or lookaround). Throws on a bad
 * pattern, or on one that matches empty text (it would match everywhere).
 */
export function patternDetector(pattern: string): Detector {
  const re = RE2JS.compile(pattern);
  if (re.matcher('').find()) throw new Error('it matches empty text, so it would match everywhere');
  return {
    find(text) {
      let out: Match[] | null = null;
      const m = re.matcher(text);
      while (m.find()) {
        const start = m.start();
        const end = m.end();
        if (end > start) (out ??= []).push([start, end]);
      }
      return out ?? NO_MATCHES;
    },
    normalise: identity,
  };
}

// Private: a global regex behind a cheap literal test, so most strings cost one native scan.
function regexDetector(re: RegExp, hint: RegExp): Detector {
  return {
    find(text) {
      if (!hint.test(text)) return NO_MATCHES;
      const out: Match[] = [];
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
      return out;
    },
    normalise: identity,
  };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

// Private: letters, digits and . _ % + - (the local-part characters addresses use in practice).
function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d;
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 0x2e || c === 0x2d;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
