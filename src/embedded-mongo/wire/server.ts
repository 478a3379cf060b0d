/** The listener (TCP, or a Unix domain socket): accepts connections and gives each its WireConnection. */
import { chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../log';
import { WireConnection, type CommandRunner } from './connection';

export interface WireServerOptions {
  host: string;
  port: number;
  /** Listen on this Unix domain socket (mode 0600) instead of TCP. */
  socketPath?: string;
  maxMessageSize?: number;
}

export class WireServer {
  private readonly server: Server;
  private readonly connections = new Set<WireConnection>();
  private nextConnectionId = 1;

  constructor(
    private readonly runner: CommandRunner,
    private readonly log: Logger,
    private readonly options: WireServerOptions,
  ) {
    this.server = createServer((socket) => this.accept(socket));
    // After listening, accept errors (e.g. EMFILE) are logged; they must not crash the process.
    this.server.on('error', (err) => this.log.error('listener error', { err }));
  }

  /** Starts listening; resolves to the bound port (useful with port 0; 0 on a Unix socket). */
  listen(): Promise<number> {
    const { socketPath } = this.options;
    if (socketPath !== undefined) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        this.server.prependOnceListener('error', onError);
        // Only the owner may connect: the socket is created under a umask that leaves nothing to group and others.
        const umask = process.umask(0o177);
        try {
          this.server.listen(socketPath, () => {
            this.server.off('error', onError);
            try {
              chmodSync(socketPath, 0o600);
              resolve(0);
            } catch (err) {
              reject(err as Error);
            }
          });
        } finally {
          process.umask(umask);
        }
      });
    }
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.prependOnceListener('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (!address || typeof address === 'string') return reject(new Error(`unexpected listen address ${String(address)}`));
        resolve(address.port);
      });
    });
  }

  /** Stops accepting and ends every open connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const c of this.connections) c.destroy();
      this.connections.clear();
      this.server.close(() => resolve());
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: Socket): void {
    const context = { id: this.nextConnectionId++, remoteAddress: this.options.socketPath ?? `${socket.remoteAddress}:${socket.remotePort}` };
    const connection = new WireConnection(socket, context, this.runner, this.log, this.options.maxMessageSize);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }
}
