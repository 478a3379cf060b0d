/** The selected span: timing, call result (status, code, message, data), metrics, attributes and events. */
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { formatClock, formatUs } from '../format';
import { ServiceChip } from './ServiceChip';

const SpanDetails = graphql(`
  query SpanDetails($traceId: ID!, $spanId: ID!) {
    span(traceId: $traceId, spanId: $spanId) {
      spanId parentSpanId operation kind startTime endTime durationUs status
      service { name }
      result { status code message data }
      metrics { name value unit }
      attributes { key value }
      events { time name attributes { key value } }
      links { traceId spanId traceState attributes { key value } span { service { name } operation } }
      redactedCount
    }
  }
`);

export function SpanPanel({ traceId, spanId, onClose }: { traceId: string; spanId: string; onClose: () => void }) {
  const [{ data, error, fetching }] = useQuery({ query: SpanDetails, variables: { traceId, spanId } });
  const span = data?.span;
  return (
    <aside className="span-panel card" aria-label="Span details" data-testid="span-panel">
      <div className="panel-head">
        <h2>{span ? span.operation : 'Span'}</h2>
        <button type="button" onClick={onClose} aria-label="Close span details">
          ✕
        </button>
      </div>
      {fetching && !span && <p className="muted">Loading…</p>}
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {span && (
        <>
          <dl className="kv">
            <dt>Service</dt>
            <dd>
              <ServiceChip name={span.service.name} />
            </dd>
            <dt>Span</dt>
            <dd className="mono">{span.spanId}</dd>
            {span.parentSpanId && (
              <>
                <dt>Parent</dt>
                <dd className="mono">{span.parentSpanId}</dd>
              </>
            )}
            <dt>Kind</dt>
            <dd>{span.kind}</dd>
            <dt>Status</dt>
            <dd>{span.status === 'ERROR' ? <span className="badge error">ERROR</span> : span.status}</dd>
            <dt>Duration</dt>
            <dd>{formatUs(span.durationUs)}</dd>
            <dt>Start</dt>
            <dd className="mono">{formatClock(span.startTime)}</dd>
            {span.redactedCount > 0 && (
              <>
                <dt>Redacted</dt>
                <dd>{span.redactedCount} value{span.redactedCount === 1 ? '' : 's'} replaced or removed at ingest</dd>
              </>
            )}
          </dl>
          <h3>Result</h3>
          {span.result ? (
            <dl className="kv" data-testid="span-result">
              <dt>Status</dt>
              <dd>{span.result.status}</dd>
              {span.result.code != null && (
                <>
                  <dt>Code</dt>
                  <dd className="mono">{span.result.code}</dd>
                </>
              )}
              {span.result.message != null && (
                <>
                  <dt>Message</dt>
                  <dd>{span.result.message}</dd>
                </>
              )}
              {span.result.data !== undefined && span.result.data !== null && (
                <>
                  <dt>Data</dt>
                  <dd>
                    <pre>{JSON.stringify(span.result.data, null, 2)}</pre>
                  </dd>
                </>
              )}
            </dl>
          ) : (
            <p className="muted">No result recorded.</p>
          )}
          <h3>Metrics</h3>
          {span.metrics.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <table className="small">
              <tbody>
                {span.metrics.map((m) => (
                  <tr key={m.name}>
                    <th scope="row">{m.name}</th>
                    <td className="num">
                      {m.value}
                      {m.unit ? ` ${m.unit}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Attributes</h3>
          <Attributes list={span.attributes} />
          {span.links.length > 0 && (
            <>
              <h3>Links</h3>
              <ul className="links">
                {span.links.map((l) => (
                  <li key={`${l.traceId}/${l.spanId}`}>
                    <Link href={`/trace/${l.traceId}`} className="mono">
                      {l.traceId.slice(0, 12)}…/{l.spanId}
                    </Link>{' '}
                    {l.span ? `${l.span.service.name} · ${l.span.operation}` : <span className="muted">(not stored)</span>}
                    {l.attributes.length > 0 && <Attributes list={l.attributes} />}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>Events</h3>
          {span.events.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ol className="events">
              {span.events.map((e, i) => (
                <li key={i}>
                  <span className="mono">{formatClock(e.time)}</span> <strong>{e.name}</strong>
                  {e.attributes.length > 0 && <Attributes list={e.attributes} />}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </aside>
  );
}

function Attributes({ list }: { list: readonly { key: string; value: unknown }[] }) {
  if (list.length === 0) return <p className="muted">None.</p>;
  return (
    <table className="small">
      <tbody>
        {list.map((a) => (
          <tr key={a.key}>
            <th scope="row" className="mono">
              {a.key}
            </th>
            <td className="mono">{typeof a.value === 'string' ? a.value : JSON.stringify(a.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
