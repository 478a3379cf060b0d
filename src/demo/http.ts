/** A minimal JSON-over-HTTP POST on a keep-alive agent (node:http only, so the demo needs nothing else). */
import * as http from 'node:http';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/** POSTs `body` (already JSON text) and resolves with the whole reply; rejects on network errors and timeouts. */
export function postJson(url: URL, body: string, agent: http.Agent, timeoutMs: number, headers: http.OutgoingHttpHeaders = {}): Promise<HttpReply> {
  if (url.protocol !== 'http:') {
    return Promise.reject(new Error(`postJson supports http: URLs only, but got: ${url.protocol}//${url.host}`));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no reply from ${url.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
