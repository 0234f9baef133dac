import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a server that a test can turn into a black hole: it keeps accepting connections
 * and reading what clients send, but forwards nothing and answers nothing, as a network path that silently drops
 * packets would (no RST, no FIN: only a timeout notices). A connection opened while it is a black hole never reaches
 * the server; connections opened before carry traffic again once it is turned off.
 */
export class BlackholeProxy {
  private dropping = false;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private listening = 0;

  private constructor(private readonly target: { readonly host: string; readonly port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  /** A proxy for `target` listening on a free loopback port. */
  static async start(target: { readonly host: string; readonly port: number }): Promise<BlackholeProxy> {
    const proxy = new BlackholeProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('the proxy has no port');
    proxy.listening = address.port;
    return proxy;
  }

  /** The loopback port clients connect to. */
  get port(): number {
    return this.listening;
  }

  /** Whether traffic is dropped. */
  get blackholed(): boolean {
    return this.dropping;
  }

  /** Starts (true) or stops (false) dropping every byte in both directions. */
  blackhole(on: boolean): void {
    this.dropping = on;
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.dropping) {
      // Read and discard: the client's writes succeed, and nothing ever comes back.
      client.on('data', () => undefined);
      return;
    }
    const upstream = createConnection(this.target);
    this.track(upstream);
    client.on('data', (chunk: Buffer) => {
      if (!this.dropping) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!this.dropping) client.write(chunk);
    });
    // A side that ends or fails takes the other with it, unless the proxy is a black hole (then nothing is told).
    const closeBoth = (): void => {
      if (this.dropping) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
