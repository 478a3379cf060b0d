/**
 * Service map: the service graph of a time window (`serviceGraph`), laid out as a directed, layered graph
 * (Cytoscape.js with the dagre layout), callers left of callees. Each node shows calls, error rate and p99; each
 * edge the same for the calls across it. Clicking a node opens the service. The same figures are listed in a
 * table below the graph, for keyboard and screen-reader users.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { graphql } from '../gql';
import type { ServiceMapQuery } from '../gql/graphql';
import { formatUs, serviceColor } from '../format';
import { WINDOWS, WindowPicker, useWindow } from '../components/TimeWindow';

cytoscape.use(dagre);

const ServiceMap = graphql(`
  query ServiceMap($from: DateTime!, $to: DateTime!) {
    serviceGraph(from: $from, to: $to) {
      nodes { service { name } stats { calls errors errorRate ratePerSec p99Us } }
      edges { source { name } target { name } stats { calls errors errorRate p99Us } }
    }
  }
`);

type Graph = ServiceMapQuery['serviceGraph'];

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`;
}

function figures(s: { calls: number; errorRate: number; p99Us?: number | null }): string {
  return `${s.calls} calls · ${percent(s.errorRate)} err · p99 ${s.p99Us == null ? '–' : formatUs(s.p99Us)}`;
}

export default function MapView() {
  const [windowKey, setWindowKey] = useWindow('15m');
  const range = useMemo(() => {
    const to = new Date();
    const from = new Date(to.getTime() - WINDOWS[windowKey].ms);
    return { from: from.toISOString(), to: to.toISOString() };
  }, [windowKey]);
  const [result, refetch] = useQuery({ query: ServiceMap, variables: range });
  const graph = result.data?.serviceGraph;

  return (
    <section aria-labelledby="map-title">
      <div className="view-head">
        <h1 id="map-title">Service map</h1>
        <WindowPicker value={windowKey} onChange={setWindowKey} />
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
        <span className="muted">Click a service to open it.</span>
      </div>
      {result.error && (
        <p className="error" role="alert">
          {result.error.graphQLErrors[0]?.message ?? result.error.message}
        </p>
      )}
      {graph && graph.nodes.length === 0 && <p className="muted">No spans in this window.</p>}
      {graph && graph.nodes.length > 0 && (
        <>
          <GraphCanvas graph={graph} />
          <GraphTable graph={graph} />
        </>
      )}
    </section>
  );
}

function GraphCanvas({ graph }: { graph: Graph }) {
  const container = useRef<HTMLDivElement>(null);
  const [, navigate] = useLocation();
  const [ready, setReady] = useState(false);

  useEffect(() => {
    if (!container.current) return;
    const cy = cytoscape({
      container: container.current,
      elements: [
        ...graph.nodes.map((n) => ({
          data: { id: n.service.name, label: `${n.service.name}\n${figures(n.stats)}`, color: serviceColor(n.service.name), failing: n.stats.errorRate > 0 ? 1 : 0 },
        })),
        ...graph.edges.map((e) => ({
          data: { id: `${e.source.name}->${e.target.name}`, source: e.source.name, target: e.target.name, label: figures(e.stats), failing: e.stats.errorRate > 0 ? 1 : 0 },
        })),
      ],
      layout: { name: 'dagre', rankDir: 'LR', nodeSep: 30, rankSep: 140, edgeSep: 10 } as cytoscape.LayoutOptions,
      style: [
        {
          selector: 'node',
          style: {
            shape: 'round-rectangle',
            'background-color': '#ffffff',
            'border-width': 3,
            'border-color': 'data(color)',
            label: 'data(label)',
            'text-wrap': 'wrap',
            'text-valign': 'center',
            'text-halign': 'center',
            'font-size': 11,
            color: '#1b1f24',
            width: 190,
            height: 44,
          },
        },
        { selector: 'node[failing = 1]', style: { 'border-style': 'double', 'border-width': 5 } },
        {
          selector: 'edge',
          style: {
            width: 1.5,
            'line-color': '#6b7480',
            'target-arrow-color': '#6b7480',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
            label: 'data(label)',
            'font-size': 9,
            color: '#3d444c',
            'text-background-color': '#ffffff',
            'text-background-opacity': 1,
            'text-rotation': 'autorotate',
          },
        },
        { selector: 'edge[failing = 1]', style: { 'line-color': '#b00020', 'target-arrow-color': '#b00020' } },
      ],
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false,
      autoungrabify: false,
    });
    cy.on('tap', 'node', (event) => navigate(`/service/${encodeURIComponent(event.target.id())}`));
    cy.ready(() => setReady(true));
    return () => cy.destroy();
  }, [graph, navigate]);

  return <div ref={container} className="map-canvas" data-ready={ready ? 'true' : 'false'} role="img" aria-label={`Service graph: ${graph.nodes.length} services, ${graph.edges.length} call edges (listed in the table below)`} />;
}

function GraphTable({ graph }: { graph: Graph }) {
  return (
    <div className="map-tables">
      <table className="small" aria-label="Services">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Calls</th>
            <th scope="col">Rate</th>
            <th scope="col">Error rate</th>
            <th scope="col">p99</th>
          </tr>
        </thead>
        <tbody>
          {graph.nodes.map((n) => (
            <tr key={n.service.name} data-service={n.service.name}>
              <th scope="row">
                <span className="swatch" style={{ background: serviceColor(n.service.name) }} aria-hidden="true" />{' '}
                <Link href={`/service/${encodeURIComponent(n.service.name)}`}>{n.service.name}</Link>
              </th>
              <td className="num">{n.stats.calls}</td>
              <td className="num">{n.stats.ratePerSec.toFixed(2)}/s</td>
              <td className="num">{percent(n.stats.errorRate)}</td>
              <td className="num">{n.stats.p99Us == null ? '–' : formatUs(n.stats.p99Us)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="small" aria-label="Calls between services">
        <thead>
          <tr>
            <th scope="col">Caller → callee</th>
            <th scope="col">Calls</th>
            <th scope="col">Error rate</th>
            <th scope="col">p99</th>
          </tr>
        </thead>
        <tbody>
          {graph.edges.map((e) => (
            <tr key={`${e.source.name}->${e.target.name}`} data-edge={`${e.source.name}->${e.target.name}`}>
              <th scope="row">
                {e.source.name} → {e.target.name}
              </th>
              <td className="num">{e.stats.calls}</td>
              <td className="num">{percent(e.stats.errorRate)}</td>
              <td className="num">{e.stats.p99Us == null ? '–' : formatUs(e.stats.p99Us)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
