/**
 * The critical path of a trace: the segments of spans that set its end-to-end duration, after Jaeger UI's
 * algorithm (CriticalPath/index.ts there):
 *
 * 1. Children are clipped to their parent's (already clipped) interval; a child entirely outside it is dropped
 *    with its whole subtree (clock-skewed or detached work cannot set the parent's duration).
 * 2. From a span's end, walk backwards: the child that finished last (before the point reached) is on the path;
 *    the parent owns the gap between that child's end and the point, then the walk descends into the child.
 *    When a span has no child finishing before the point, it owns the rest back to its own start and the
 *    walk returns to its parent at the span's start.
 *
 * One difference, so that the segments add up to the trace's duration: the trace root stands for the whole
 * trace. Its interval is [trace start, trace end] and every other top-level span (parentless, or whose parent
 * is not stored) counts as its child, so children that outlive the root (asynchronous work) and spans before
 * it are on the path where they set the trace's end. Below the root, clipping is as in Jaeger.
 */
import type { SpanRecord } from '../domain';
import { assembleTrace, type TraceTree } from '../domain';

export interface CriticalPathSegment {
  span: SpanRecord;
  startUs: number;
  endUs: number;
}

// Private: a span with its clipped interval and its kept children.
interface Node {
  readonly span: SpanRecord;
  readonly startUs: number;
  readonly endUs: number;
  readonly parent: Node | null;
  readonly children: Node[];
}

/** Segments in time order; they tile [trace start, trace end] without overlap. Empty for an empty trace. */
export function criticalPath(spans: readonly SpanRecord[] | TraceTree): CriticalPathSegment[] {
  const tree = 'root' in spans ? spans : assembleTrace(spans);
  const root = buildClippedTree(tree);
  if (!root) return [];

  const backwards: CriticalPathSegment[] = [];
  const push = (node: Node, startUs: number, endUs: number): void => {
    if (endUs > startUs) backwards.push({ span: node.span, startUs, endUs });
  };
  // Iterative form of Jaeger's recursion: (node, point) where point is the time the walk has reached within
  // node, or null right after descending into node (the walk starts at its end).
  let node: Node = root;
  let point: number | null = null;
  for (;;) {
    const limit = point ?? node.endUs;
    const last = lastFinishingChild(node, point);
    if (last) {
      push(node, last.endUs, limit);
      node = last;
      point = null;
      continue;
    }
    push(node, node.startUs, limit);
    if (!node.parent) break;
    point = node.startUs;
    node = node.parent;
  }
  if (backwards.length === 0) return [{ span: root.span, startUs: root.startUs, endUs: root.endUs }];
  return backwards.reverse();
}

// Private: the child with the latest end; after returning from a child (point given), the latest ending
// strictly before that child's start. Ties go to the earlier child in start order.
function lastFinishingChild(node: Node, point: number | null): Node | null {
  let best: Node | null = null;
  for (const child of node.children) {
    if (point !== null && child.endUs >= point) continue;
    if (!best || child.endUs > best.endUs) best = child;
  }
  return best;
}

// Private: step 1, top-down so each child is clipped against its parent's clipped interval.
function buildClippedTree(tree: TraceTree): Node | null {
  const rootSpan = tree.root;
  if (!rootSpan) return null;
  let traceStart = Infinity;
  let traceEnd = -Infinity;
  for (const s of tree.spans) {
    traceStart = Math.min(traceStart, s.startUs);
    traceEnd = Math.max(traceEnd, s.endUs);
  }
  const root: Node = { span: rootSpan, startUs: traceStart, endUs: traceEnd, parent: null, children: [] };
  const topLevel = tree.spans.filter((s) => s !== rootSpan && (s.parentSpanId === null || tree.span(s.parentSpanId) === null));
  const seen = new Set<string>([rootSpan.spanId]);
  const queue: { node: Node; children: readonly SpanRecord[] }[] = [{ node: root, children: [...tree.children(rootSpan.spanId), ...topLevel] }];
  while (queue.length > 0) {
    const { node, children } = queue.pop()!;
    for (const child of children) {
      // A parent cycle or a span listed twice is walked once.
      if (seen.has(child.spanId)) continue;
      seen.add(child.spanId);
      const startUs = Math.max(child.startUs, node.startUs);
      const endUs = Math.min(child.endUs, node.endUs);
      const outside = child.startUs >= node.endUs || child.endUs <= node.startUs;
      // A zero-length span inside its parent stays (it cannot take time from the path anyway).
      if (outside && !(child.startUs === child.endUs && child.startUs >= node.startUs && child.startUs <= node.endUs)) continue;
      const kept: Node = { span: child, startUs, endUs, parent: node, children: [] };
      node.children.push(kept);
      queue.push({ node: kept, children: tree.children(child.spanId) });
    }
  }
  return root;
}
