/**
 * What the engine's JSON means: the engine layer's small types, and the zod schemas that parse raw
 * engine replies into them at this edge. Pure, no I/O (the client is engine.ts).
 */
import * as z from 'zod/mini';
import { classifyEngineMessage, type EngineErrorKind } from './errors';

export interface ContainerInfo {
  id: string;
  /** Name without the leading slash. */
  name: string;
  image: string;
  labels: Record<string, string>;
  running: boolean;
  status: string;
  exitCode: number;
  oomKilled: boolean;
  /** Epoch ms, undefined if never started. */
  startedAt?: number;
  /** Epoch ms of its creation (Created). */
  createdAt?: number;
  /** Engine-side error of the last start, if any (e.g. unknown runtime), and its kind. */
  error?: string;
  errorKind?: EngineErrorKind;
  args: string[];
  /** HEALTHCHECK state ("starting", "healthy", "unhealthy") for images that have one. */
  health?: string;
}

/** What an image's config says (docker image inspect .Config), as version detection needs it. */
export interface ImageConfig {
  /** The image's ID (sha256:…): its content, whatever tag it goes by. */
  id?: string;
  /** Config.User; "" = root. */
  user: string;
  entrypoint: string[];
  env: string[];
  healthcheck?: string[];
  tags: string[];
  /** Config.Labels. */
  labels?: Record<string, string>;
}

export interface EngineEvent {
  id: string;
  action: string;
  /** The part after the colon, e.g. "healthy" of "health_status: healthy". */
  detail?: string;
  exitCode?: number;
  /** Signal number of a `kill` event. */
  signal?: number;
  /** Epoch ms. */
  time: number;
  /** Nanoseconds since epoch, as the engine gives it (used to resume with `since`). */
  timeNano: bigint;
  labels: Record<string, string>;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** Nanoseconds since epoch of the line, from the engine's timestamps. */
  ts: bigint;
  text: string;
}

export interface Closeable {
  close(): void;
}

/**
 * A schema built on first use. zod schemas cost to construct (each one binds its methods), and none
 * of the engine's is needed before the first engine reply: activation builds none of them.
 */
export function lazily<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

const dockerTime = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((s: string | undefined) => {
      if (!s || s.startsWith('0001-')) return undefined;
      const ms = Date.parse(s);
      return Number.isNaN(ms) ? undefined : ms;
    }),
  );

const InspectSchema = lazily(() =>
  z.object({
    Id: z.string(),
    Name: z.string(),
    Args: z.nullish(z.array(z.string())),
    Created: z.optional(dockerTime()),
    Config: z.object({ Image: z.string(), Labels: z.nullish(z.record(z.string(), z.string())) }),
    State: z.object({
      Status: z.string(),
      Running: z.boolean(),
      ExitCode: z.number(),
      OOMKilled: z._default(z.optional(z.boolean()), false),
      StartedAt: dockerTime(),
      Error: z.optional(z.string()),
      Health: z.nullish(z.object({ Status: z.string() })),
    }),
  }),
);

const ImageInspectSchema = lazily(() =>
  z.object({
    Id: z.nullish(z.string()),
    RepoTags: z.nullish(z.array(z.string())),
    Config: z.nullish(
      z.object({
        User: z.nullish(z.string()),
        Entrypoint: z.nullish(z.array(z.string())),
        Env: z.nullish(z.array(z.string())),
        Healthcheck: z.nullish(z.object({ Test: z.nullish(z.array(z.string())) })),
        Labels: z.nullish(z.record(z.string(), z.string())),
      }),
    ),
  }),
);

export const EventSchema = lazily(() =>
  z.object({
    Type: z.optional(z.string()),
    Action: z.string(),
    Actor: z.object({ ID: z.string(), Attributes: z.nullish(z.record(z.string(), z.string())) }),
    time: z.number(),
    timeNano: z.optional(z.number()),
  }),
);

/** An engine event as its schema parses it. */
export type ParsedEvent = z.infer<ReturnType<typeof EventSchema>>;

/** One JSON message of `POST /build` (build.ts). */
export const BuildMessageSchema = lazily(() =>
  z.object({
    id: z.optional(z.string()),
    stream: z.optional(z.string()),
    error: z.optional(z.string()),
    errorDetail: z.optional(z.object({ message: z.optional(z.string()) })),
    aux: z.optional(z.union([z.string(), z.object({ ID: z.optional(z.string()) })])),
  }),
);
export type BuildMessage = z.infer<ReturnType<typeof BuildMessageSchema>>;

const orUndefined = <T>(d: T | null | undefined): T | undefined => d ?? undefined;

/** One JSON progress line of `POST /images/create` (pullProgress.ts). */
export const PullEventSchema = lazily(() =>
  z.looseObject({
    status: z.optional(z.string()),
    id: z.optional(z.string()),
    progressDetail: z.pipe(
      z.nullish(z.partial(z.object({ current: z.optional(z.number().check(z.nonnegative())), total: z.optional(z.number().check(z.nonnegative())) }))),
      z.transform(orUndefined),
    ),
    progress: z.optional(z.string()),
    error: z.optional(z.string()),
    errorDetail: z.pipe(z.nullish(z.object({ message: z.optional(z.string()), code: z.optional(z.number()) })), z.transform(orUndefined)),
  }),
);

/** The Docker CLI's config.json, as far as registry credentials go (registryAuth.ts). */
export const DockerConfigSchema = lazily(() =>
  z.looseObject({
    auths: z.optional(
      z.record(
        z.string(),
        z.looseObject({
          auth: z.optional(z.string()),
          username: z.optional(z.string()),
          password: z.optional(z.string()),
          identitytoken: z.optional(z.string()),
        }),
      ),
    ),
    credsStore: z.optional(z.string()),
    credHelpers: z.optional(z.record(z.string(), z.string())),
  }),
);

/** A credential helper's answer to `get` (credentials.ts). */
export const CredentialAnswerSchema = lazily(() => z.looseObject({ Username: z.optional(z.string()), Secret: z.optional(z.string()) }));

/** `GET /info`, as far as the doctor reads it (system.ts). */
export const InfoSchema = lazily(() =>
  z.object({
    ServerVersion: z.optional(z.string()),
    Runtimes: z.nullish(z.record(z.string(), z.unknown())),
    DefaultRuntime: z.optional(z.string()),
    MemTotal: z.optional(z.number()),
    NCPU: z.optional(z.number()),
    OperatingSystem: z.optional(z.string()),
    Driver: z.optional(z.string()),
    DockerRootDir: z.optional(z.string()),
  }),
);

export const SummarySchema = lazily(() => z.array(z.object({ Id: z.string() })));

/** The whole seconds of the last timestamp parsed in the engine's own form, and their value in ns. */
let lastSecond = '';
let lastSecondNs = 0n;

/** Parses an RFC 3339 timestamp with nanoseconds into nanoseconds since the epoch. */
export function parseTimestampNanos(ts: string): bigint | undefined {
  // Fast path for the engine's own form, "2026-12-01T12:54:48.109123456Z", within the same second
  // as the last one: each log line carries one, and most lines share their second.
  if (ts.length === 30 && ts.charCodeAt(19) === 0x2e && ts.charCodeAt(29) === 0x5a && lastSecond !== '' && ts.startsWith(lastSecond)) {
    let digits = true;
    for (let i = 20; i < 29 && digits; i++) digits = ts.charCodeAt(i) >= 0x30 && ts.charCodeAt(i) <= 0x39;
    if (digits) return lastSecondNs + BigInt(ts.slice(20, 29));
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const secondNs = BigInt(seconds) * 1_000_000n;
  if (m[3] === 'Z' && m[2]?.length === 9) {
    lastSecond = m[1];
    lastSecondNs = secondNs;
  }
  return secondNs + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The engine's `since` parameter: "seconds.nanoseconds". */
export function sinceParam(nanos: bigint): string {
  const s = nanos / 1_000_000_000n;
  const ns = nanos % 1_000_000_000n;
  return `${s}.${String(ns).padStart(9, '0')}`;
}

export function toInfo(raw: unknown): ContainerInfo {
  const c = InspectSchema().parse(raw);
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    labels: c.Config.Labels ?? {},
    running: c.State.Running,
    status: c.State.Status,
    exitCode: c.State.ExitCode,
    oomKilled: c.State.OOMKilled,
    startedAt: c.State.StartedAt,
    ...(c.Created !== undefined ? { createdAt: c.Created } : {}),
    error: c.State.Error || undefined,
    ...(c.State.Error ? { errorKind: classifyEngineMessage(c.State.Error) } : {}),
    args: c.Args ?? [],
    ...(c.State.Health ? { health: c.State.Health.Status } : {}),
  };
}

export function toImageConfig(raw: unknown): ImageConfig {
  const i = ImageInspectSchema().parse(raw);
  const test = i.Config?.Healthcheck?.Test;
  return {
    ...(i.Id ? { id: i.Id } : {}),
    user: i.Config?.User ?? '',
    entrypoint: i.Config?.Entrypoint ?? [],
    env: i.Config?.Env ?? [],
    ...(test && test.length > 0 && test[0] !== 'NONE' ? { healthcheck: test } : {}),
    tags: i.RepoTags ?? [],
    labels: i.Config?.Labels ?? {},
  };
}

/** Reads the first file of a tar archive (what the engine's archive endpoint returns for a file path). */
