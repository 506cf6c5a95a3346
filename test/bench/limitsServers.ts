/**
 * The servers the time-limit figures (test/bench/limits.ts) run against: a unix-socket proxy in
 * front of the bench's engine that can "die" the way a dying daemon looks from the client, and
 * servers that accept connections and never answer (a wedged engine, a simulator port that hangs).
 * All on a unix socket or 127.0.0.1.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';

/**
 * A byte-for-byte proxy on `socketPath` to the engine at `upstream`. `close()` is the daemon going
 * away: every open connection (the event stream, log streams, requests in flight) is destroyed and
 * the listening socket is closed and unlinked, so a reconnect gets ENOENT (or ECONNREFUSED while
 * the file is still there). `listen()` brings it back on the same path.
 */
export class EngineProxy {
  private server: net.Server | undefined;
  private readonly open = new Set<net.Socket>();
  /** Connections accepted since the proxy was made (each reconnect attempt that got through is one). */
  accepted = 0;

  constructor(
    readonly socketPath: string,
    private readonly upstream: string,
  ) {}

  listen(): Promise<void> {
    if (this.server) return Promise.resolve();
    rmSync(this.socketPath, { force: true });
    const server = net.createServer((client) => {
      this.accepted++;
      const engine = net.connect(this.upstream);
      for (const s of [client, engine]) {
        this.open.add(s);
        s.on('close', () => this.open.delete(s));
        // Either side failing ends both, as a broken connection to the daemon does.
        s.on('error', () => {
          client.destroy();
          engine.destroy();
        });
      }
      client.pipe(engine);
      engine.pipe(client);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** The daemon dies: connections destroyed, socket closed and unlinked. Resolves once it is closed. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.open) s.destroy();
    this.open.clear();
    if (!server) return Promise.resolve();
    return new Promise((resolve) =>
      server.close(() => {
        rmSync(this.socketPath, { force: true });
        resolve();
      }),
    );
  }
}

/** A server that accepts connections, reads what they send and never writes a byte. */
export class SilentServer {
  private readonly server: net.Server;
  private readonly held = new Set<net.Socket>();
  accepted = 0;

  private constructor() {
    this.server = net.createServer((socket) => {
      this.accepted++;
      this.held.add(socket);
      socket.on('close', () => this.held.delete(socket));
      socket.on('error', () => undefined);
      socket.resume();
    });
  }

  /** Listening on a unix socket at `socketPath`. */
  static async unix(socketPath: string): Promise<SilentServer> {
    rmSync(socketPath, { force: true });
    const s = new SilentServer();
    await new Promise<void>((resolve, reject) => s.server.once('error', reject).listen(socketPath, resolve));
    return s;
  }

  /** Listening on 127.0.0.1, on a free port. */
  static async tcp(): Promise<SilentServer> {
    const s = new SilentServer();
    await new Promise<void>((resolve, reject) => s.server.once('error', reject).listen(0, '127.0.0.1', resolve));
    return s;
  }

  get port(): number {
    const a = this.server.address();
    if (!a || typeof a === 'string') throw new Error('the silent server is not on a TCP port');
    return a.port;
  }

  /** Connections still open (a client that gave up closes its own). */
  get openConnections(): number {
    return this.held.size;
  }

  close(): Promise<void> {
    for (const s of this.held) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
