/**
 * Docker contexts found on this machine, turned into isaacSim.endpoints entries: the "one click" of
 * Add Endpoint from Docker Context. No VS Code here (unit-tested); contexts.ts asks the user.
 */
import { ENDPOINT_NAME } from '../instances/fleetSettings';

export interface DockerContext {
  name: string;
  /** Its Docker endpoint, e.g. "unix:///var/run/docker.sock" or "ssh://user@host". */
  host: string;
  description: string;
  current: boolean;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function contextOf(value: unknown): DockerContext | undefined {
  const r = record(value);
  if (!r || typeof r.Name !== 'string' || typeof r.DockerEndpoint !== 'string' || r.DockerEndpoint === '') return undefined;
  return { name: r.Name, host: r.DockerEndpoint, description: typeof r.Description === 'string' ? r.Description : '', current: r.Current === true };
}

/** `docker context ls --format json`: one JSON array (newer CLIs) or one object per line (older ones). Lines it cannot read are skipped. */
export function parseContextList(stdout: string): DockerContext[] {
  const text = stdout.trim();
  if (text.startsWith('[')) {
    try {
      const list: unknown = JSON.parse(text);
      return Array.isArray(list) ? list.flatMap((c) => contextOf(c) ?? []) : [];
    } catch {
      return [];
    }
  }
  return text.split('\n').flatMap((line) => {
    try {
      return contextOf(JSON.parse(line)) ?? [];
    } catch {
      return [];
    }
  });
}

/** A context's ~/.docker/contexts/meta/<id>/meta.json: `{ Name, Metadata: { Description }, Endpoints: { docker: { Host } } }`. */
export function parseContextMeta(json: string): DockerContext | undefined {
  try {
    const meta = record(JSON.parse(json));
    const docker = record(record(meta?.Endpoints)?.docker);
    if (typeof meta?.Name !== 'string' || typeof docker?.Host !== 'string') return undefined;
    const description = record(meta.Metadata)?.Description;
    return { name: meta.Name, host: docker.Host, description: typeof description === 'string' ? description : '', current: false };
  } catch {
    return undefined;
  }
}

/** A valid endpoint name from a context name, not yet taken. */
export function endpointName(contextName: string, taken: ReadonlySet<string>): string {
  const base = contextName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'engine';
  let name = base;
  for (let n = 2; taken.has(name) || !ENDPOINT_NAME.test(name); n++) name = `${base}-${n}`;
  return name;
}

/** The engine behind isaacSim.dockerHost "" (what the implicit endpoint used). */
function effectiveHost(dockerHost: string, env: string | undefined): string {
  return dockerHost || env || 'unix:///var/run/docker.sock';
}

/** The engine the top-level settings name: isaacSim.dockerHost and isaacSim.dockerContext. */
export interface TopEngine {
  dockerHost: string;
  dockerContext: string;
}

/**
 * isaacSim.endpoints with the context added, by name (`dockerContext`), so that its engine is reached
 * with the context's own TLS files, as `docker --context` does. An empty list gets the engine used so
 * far first, as "local" (else adding one endpoint would drop it); a context whose engine is already
 * listed, by name or by host, adds nothing.
 */
export function withContext(current: readonly unknown[], context: DockerContext, top: TopEngine, envDockerHost?: string): { endpoints: unknown[]; added: string | undefined } {
  const list = [...current];
  const sameEngine = (e: Record<string, unknown> | undefined) =>
    !!e && ((typeof e.dockerContext === 'string' && e.dockerContext !== '' && e.dockerContext === context.name) || (typeof e.dockerHost === 'string' && !e.dockerContext && effectiveHost(e.dockerHost, envDockerHost) === context.host));
  if (list.length === 0) {
    const local = top.dockerContext ? { name: 'local', dockerContext: top.dockerContext } : { name: 'local', dockerHost: top.dockerHost };
    if (sameEngine(local)) return { endpoints: [], added: undefined };
    list.push(local);
  }
  const entries = list.map(record);
  if (entries.some(sameEngine)) return { endpoints: [...current], added: undefined };
  const taken = new Set(entries.flatMap((e) => (e && typeof e.name === 'string' ? [e.name] : [])));
  const name = endpointName(context.name, taken);
  list.push({ name, dockerContext: context.name });
  return { endpoints: list, added: name };
}
