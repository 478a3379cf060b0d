/** The listener (TCP, or a Unix domain socket): accepts connections and gives each its WireConnection. */
import { chmodSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** The directory a Unix socket is bound in before it moves to its path (mkdtemp adds 6 characters), and its name there. */
const PRIVATE_DIR_PREFIX = '.s';
const PRIVATE_SOCKET_NAME = 's';
/** How much longer than its directory a socket's path is while it is bound in the private directory. */
export const BOUND_SOCKET_EXTRA_BYTES = 1 + PRIVATE_DIR_PREFIX.length + 6 + 1 + PRIVATE_SOCKET_NAME.length;

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
      // Only the owner may connect. The socket is bound inside a fresh directory only the owner can enter, made
      // owner-only itself, and only then moved to its path: no moment at which another local user could connect.
      // (A umask around the bind would do the same, but a worker thread may not set the process's umask.)
      const privateDir = mkdtempSync(join(dirname(socketPath), PRIVATE_DIR_PREFIX));
      const boundPath = join(privateDir, PRIVATE_SOCKET_NAME);
      const cleanUp = (): void => rmSync(privateDir, { recursive: true, force: true });
      return new Promise<number>((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        this.server.prependOnceListener('error', onError);
        this.server.listen(boundPath, () => {
          this.server.off('error', onError);
          try {
            chmodSync(boundPath, 0o600);
            renameSync(boundPath, socketPath);
            resolve(0);
          } catch (err) {
            reject(err as Error);
          }
        });
      }).finally(cleanUp);
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
