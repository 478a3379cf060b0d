/**
 * The waterfall: one row per visible span in tree order (children under their parent, by start time), a bar
 * placed on a µs axis from the trace's first start to its last end. Only visible rows are rendered, so a
 * 5,000-span trace costs what a screenful does. Keyboard (WAI-ARIA tree): Up/Down move, Right expands or
 * enters, Left collapses or goes to the parent, Home/End, Enter or Space opens the span panel.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatUs, serviceColor } from '../format';

export interface WaterfallSpan {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  kind: string;
  startUs: number;
  durationUs: number;
  error: boolean;
}

interface Row {
  span: WaterfallSpan;
  depth: number;
  childCount: number;
  parentIndex: number;
}

const ROW_HEIGHT = 26;
const TICKS = 5;

export function Waterfall({
  spans,
  version,
  selected,
  onSelect,
  criticalPath,
}: {
  spans: WaterfallSpan[];
  version: number;
  selected: string | null;
  onSelect: (spanId: string) => void;
  /** Spans on the critical path, with the intervals in which each one sets the trace's duration. */
  criticalPath?: ReadonlyMap<string, readonly { startUs: number; endUs: number }[]>;
}) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [focus, setFocus] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);

  const { children, roots, startUs, endUs } = useMemo(() => buildTree(spans), [spans, version]);
  const rows = useMemo(() => flatten(roots, children, collapsed), [roots, children, collapsed]);
  const span = Math.max(1, endUs - startUs);

  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  useEffect(() => {
    if (focus >= rows.length && rows.length > 0) setFocus(rows.length - 1);
  }, [rows.length, focus]);

  const focusRow = (index: number) => {
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    setFocus(clamped);
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
    const find = () => scroller.current?.querySelector<HTMLElement>(`[data-index="${clamped}"]`);
    // A row on screen takes the focus at once; one scrolled to is rendered on the next frame.
    const row = find();
    if (row) row.focus();
    else requestAnimationFrame(() => find()?.focus());
  };

  const toggle = (spanId: string) =>
    setCollapsed((old) => {
      const next = new Set(old);
      if (next.has(spanId)) next.delete(spanId);
      else next.add(spanId);
      return next;
    });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const row = rows[focus];
    if (!row) return;
    switch (event.key) {
      case 'ArrowDown':
        focusRow(focus + 1);
        break;
      case 'ArrowUp':
        focusRow(focus - 1);
        break;
      case 'Home':
        focusRow(0);
        break;
      case 'End':
        focusRow(rows.length - 1);
        break;
      case 'ArrowRight':
        if (row.childCount > 0 && collapsed.has(row.span.spanId)) toggle(row.span.spanId);
        else if (row.childCount > 0) focusRow(focus + 1);
        break;
      case 'ArrowLeft':
        if (row.childCount > 0 && !collapsed.has(row.span.spanId)) toggle(row.span.spanId);
        else if (row.parentIndex >= 0) focusRow(row.parentIndex);
        break;
      case 'Enter':
      case ' ':
        onSelect(row.span.spanId);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div className="waterfall">
      <div className="wf-axis" aria-hidden="true">
        <div className="wf-label-col">Service · operation</div>
        <div className="wf-time-col">
          {Array.from({ length: TICKS + 1 }, (_, i) => (
            <span key={i} className="wf-tick" style={{ left: `${(i / TICKS) * 100}%` }}>
              {formatUs((span * i) / TICKS)}
            </span>
          ))}
        </div>
      </div>
      <div ref={scroller} className="wf-scroll" role="tree" aria-label="Spans of this trace (arrow keys move, Enter opens)" onKeyDown={onKeyDown}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            const s = row.span;
            const left = ((s.startUs - startUs) / span) * 100;
            const width = Math.max(0.15, (s.durationUs / span) * 100);
            const isCollapsed = collapsed.has(s.spanId);
            const onPath = criticalPath?.has(s.spanId) ?? false;
            return (
              <div
                key={s.spanId}
                data-index={item.index}
                data-span-id={s.spanId}
                data-critical={onPath ? 'true' : undefined}
                role="treeitem"
                aria-level={row.depth + 1}
                aria-expanded={row.childCount > 0 ? !isCollapsed : undefined}
                aria-selected={selected === s.spanId}
                tabIndex={item.index === focus ? 0 : -1}
                className={`wf-row${selected === s.spanId ? ' selected' : ''}${s.error ? ' has-error' : ''}${onPath ? ' critical' : ''}`}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                onClick={() => {
                  setFocus(item.index);
                  onSelect(s.spanId);
                }}
              >
                <div className="wf-label-col" style={{ paddingLeft: 4 + row.depth * 14 }}>
                  {row.childCount > 0 ? (
                    <button
                      type="button"
                      tabIndex={-1}
                      className="wf-toggle"
                      aria-label={isCollapsed ? `Expand ${row.childCount} children` : `Collapse ${row.childCount} children`}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(s.spanId);
                      }}
                    >
                      {isCollapsed ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span className="wf-toggle" aria-hidden="true" />
                  )}
                  <span className="swatch" style={{ background: serviceColor(s.service) }} aria-hidden="true" />
                  <span className="wf-name">
                    {s.error && (
                      <span className="wf-error" title="error">
                        ⚠ <span className="sr-only">error: </span>
                      </span>
                    )}
                    <strong>{s.service}</strong> {s.operation}
                    {onPath && <span className="sr-only"> (critical path)</span>}
                  </span>
                </div>
                <div className="wf-time-col">
                  <span className="wf-bar" style={{ left: `${left}%`, width: `${width}%`, background: serviceColor(s.service) }} />
                  {criticalPath?.get(s.spanId)?.map((segment, i) => (
                    <span
                      key={i}
                      className="wf-critical-seg"
                      style={{ left: `${((segment.startUs - startUs) / span) * 100}%`, width: `${Math.max(0.15, ((segment.endUs - segment.startUs) / span) * 100)}%` }}
                    />
                  ))}
                  <span className="wf-dur" style={left > 70 ? { right: `${100 - left + 0.5}%` } : { left: `calc(${left + width}% + 4px)` }}>
                    {formatUs(s.durationUs)}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

// Private: children by parent (start order), the roots (spans whose parent is not in the trace), the time range.
function buildTree(spans: WaterfallSpan[]) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, WaterfallSpan[]>();
  const roots: WaterfallSpan[] = [];
  let startUs = Infinity;
  let endUs = -Infinity;
  for (const s of spans) {
    startUs = Math.min(startUs, s.startUs);
    endUs = Math.max(endUs, s.startUs + s.durationUs);
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId);
      if (list) list.push(s);
      else children.set(s.parentSpanId, [s]);
    } else roots.push(s);
  }
  const byStart = (a: WaterfallSpan, b: WaterfallSpan) => a.startUs - b.startUs || (a.spanId < b.spanId ? -1 : 1);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);
  return { children, roots, startUs: Number.isFinite(startUs) ? startUs : 0, endUs: Number.isFinite(endUs) ? endUs : 0 };
}

// Private: depth-first rows, skipping below collapsed spans; iterative so a deep chain cannot overflow the stack.
function flatten(roots: WaterfallSpan[], children: Map<string, WaterfallSpan[]>, collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const seen = new Set<string>();
  const stack: { span: WaterfallSpan; depth: number; parentIndex: number }[] = roots.map((span) => ({ span, depth: 0, parentIndex: -1 })).reverse();
  while (stack.length > 0) {
    const { span, depth, parentIndex } = stack.pop()!;
    if (seen.has(span.spanId)) continue; // a parent cycle: each span once
    seen.add(span.spanId);
    const kids = children.get(span.spanId) ?? [];
    const index = rows.length;
    rows.push({ span, depth, childCount: kids.length, parentIndex });
    if (!collapsed.has(span.spanId)) for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i]!, depth: depth + 1, parentIndex: index });
  }
  return rows;
}
