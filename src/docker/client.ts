/**
 * dockerode's client for an endpoint that endpoint.ts resolved: the transport (unix socket, named
 * pipe, http or https over TCP, or the system ssh client) and its TLS material. Loaded with engine.ts,
 * never at activation.
 */
import Docker from 'dockerode';
import https from 'node:https';
import type { Endpoint } from './endpoint';
import { sshModule } from './sshModule';

export interface ClientOptions {
  /** The environment of an ssh:// engine's ssh child (PATH, SSH_AUTH_SOCK). */
  env: NodeJS.ProcessEnv;
  /** Options for ssh before the CLI's own; tests only (sshAgent.ts). */
  sshArgs?: readonly string[];
}

/**
 * dockerode's client for a resolved endpoint. docker-modem also reads DOCKER_HOST (and with it
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, SSH_AUTH_SOCK) in its constructor and mixes what it finds into
 * the options given (a protocol of "https" for a unix socket when DOCKER_HOST names port 2376; a
 * readFileSync that throws on a missing DOCKER_CERT_PATH file): the endpoint, already resolved the
 * CLI's way, must be its only input, so DOCKER_HOST is hidden from it for the (synchronous) constructor.
 */
export function clientFor(endpoint: Endpoint, client: ClientOptions): Docker {
  let options: Docker.DockerOptions;
  switch (endpoint.kind) {
    case 'unix':
    case 'npipe':
      options = { socketPath: endpoint.socketPath, protocol: 'http' };
      break;
    case 'tcp': {
      const tls = endpoint.tls;
      options = { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol };
      if (tls) {
        Object.assign(options, { ca: tls.ca, cert: tls.cert, key: tls.key });
        // Without verification (DOCKER_TLS, or a context's SkipTLSVerify), as the CLI's InsecureSkipVerify:
        // an agent's TLS options win over the request's in Node's http.Agent.
        if (!tls.verify) (options as { agent?: https.Agent }).agent = new https.Agent({ rejectUnauthorized: false, ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) });
      }
      break;
    }
    case 'ssh':
      // Plain HTTP to a made-up host (the CLI's connection helper uses "http://docker.example.com"):
      // every connection is made by the agent, an ssh child running `docker system dial-stdio`.
      options = { protocol: 'http', host: 'docker', agent: new (sshModule().SshAgent)(endpoint.ssh!, { env: client.env, ...(client.sshArgs ? { extraArgs: client.sshArgs } : {}) }) } as Docker.DockerOptions; // dockerode's types omit docker-modem's `agent`
      break;
  }
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return new Docker(options);
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}
