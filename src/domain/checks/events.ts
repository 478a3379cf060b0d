import { describe } from '../ids';
import { RejectionCode, type SpanEvent } from '../span';
import { parseDateTime } from '../time';
import { checkAttributes } from './attributes';
import { checkName } from './names';
import { fail, type SpanCheck } from './check';

/** Timestamped events in the span; an event may lie outside the span's own window (clocks differ). */
export const eventsCheck: SpanCheck = {
  name: 'events',
  run(input, draft, ctx) {
    const list = input.events ?? [];
    if (list.length > ctx.limits.maxEventsPerSpan) {
      return fail(RejectionCode.TOO_MANY_EVENTS, `events: expected at most ${ctx.limits.maxEventsPerSpan} events, received ${list.length}`);
    }
    const out: SpanEvent[] = [];
    for (let i = 0; i < list.length; i++) {
      const event = list[i];
      if (event === null || typeof event !== 'object') return fail(RejectionCode.INVALID_FIELD, `events[${i}]: expected an object, received ${describe(event)}`);
      const time = parseDateTime(event.time);
      if (!time.ok) return fail(RejectionCode.INVALID_TIME, `events[${i}].time: ${time.reason}`);
      const name = checkName(`events[${i}].name`, typeof event.name === 'string' ? event.name : '', ctx.limits.maxNameLength);
      if (typeof name !== 'string') return name;
      const attributes = checkAttributes(`events[${i}].attributes`, event.attributes, ctx.limits);
      if (!Array.isArray(attributes)) return attributes;
      out.push({ timeUs: time.us, time: time.us, name, attributes });
    }
    draft.events = out;
    return null;
  },
};
