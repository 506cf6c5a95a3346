/**
 * Whether a port on this machine is free: the test that a start makes before it creates a container
 * (operations.ts, webViewerContainer.ts) and the preflight doctor's ports check. It lives apart from
 * the doctor so that the doctor can load lazily (doctorModule.ts) while starts use this at once.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export type PortProtocol = 'tcp' | 'udp';

/** A port is free, or the listen failed with `code` (EADDRINUSE: something holds it). */
export type PortProbe = { free: true } | { free: false; code: string };

/** Isaac Sim 6.x sends its media stream over UDP; every other port kind is TCP. */
export function portProtocol(kind: string): PortProtocol {
  return kind === 'stream' ? 'udp' : 'tcp';
}

/** Tries to listen on host:port; the port is free if that works. Loopback only by default. */
export function probePort(port: number, protocol: PortProtocol = 'tcp', host = '127.0.0.1'): Promise<PortProbe> {
  return new Promise((resolve) => {
    const failed = (err: NodeJS.ErrnoException) => resolve({ free: false, code: err.code ?? err.message });
    if (protocol === 'udp') {
      const socket = dgram.createSocket({ type: 'udp4' });
      socket.once('error', (err) => {
        socket.close();
        failed(err);
      });
      socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve({ free: true })));
      return;
    }
    const server = net.createServer();
    server.unref();
    server.once('error', failed);
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve({ free: true })));
  });
}
