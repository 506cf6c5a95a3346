/**
 * Messages between the sim view webview and the extension: one discriminated union per direction,
 * shared by both programs so their keys cannot drift apart.
 *
 * What comes from the webview is untrusted input: `parseViewMessage` and `parseSimViewState` validate it
 * with strict zod schemas (unknown keys, wrong types, inherited or accessor properties are rejected). No
 * message names an instance or a container: a panel acts only on the instance it was opened for.
 *
 * The webview program (main.ts) imports only the types from here, so zod stays out of its bundle.
 */
import * as z from 'zod/mini';
import type { InstanceStateKind } from '../instances/model';

/** Sent by the extension to the webview. */
export type HostMessage = {
  type: 'state';
  /** 0-based instance index; the webview persists it (`SimViewState`) so the panel can be restored. */
  index: number;
  /** The instance's endpoint (isaacSim.endpoints name; "" with one engine), persisted with the index. */
  host: string;
  /** Instance label, e.g. `instance-0`. */
  label: string;
  state: InstanceStateKind;
  /** Short human text for the badge: "ready", "loading 0:42", "failed: exit 1". */
  stateText: string;
  /** The iframe URL (already passed through asExternalUri). Empty when unknown. */
  url: string;
  /**
   * Identifies one run of the container (container id + start time). The webview loads its iframe once
   * per run: a change while `ready` means the simulator restarted and the old stream is gone.
   */
  runId: string;
  /** Where the stream itself must be reachable from (views/streamNotes.ts mediaNote); '' when it need not be said. */
  note: string;
};

/**
 * The texts the page's script shows, localised by the extension (the webview cannot call vscode.l10n):
 * they travel as JSON in the root's HTML-escaped `data-strings` attribute (views/simViewHtml.ts).
 */
export interface SimViewStrings {
  /** The overlay's title for each state. */
  overlayTitles: Record<InstanceStateKind, string>;
  /** The overlay's title when the instance is ready but has no client URL. */
  noClientUrl: string;
  /** The iframe's title; {0} is the instance's label. */
  frameTitle: string;
}

/** Sent by the webview to the extension. None carries an instance: the panel knows its own. */
export type ViewMessage =
  | { type: 'ready' }
  | { type: 'reload' }
  | { type: 'openExternal' }
  | { type: 'copyUrl' };

/** Persisted with `vscode.setState` so the serializer can restore the panel after a window reload. */
export interface SimViewState {
  index: number;
  /** The instance's endpoint; left out by panels saved before several engines existed (they are the first host's). */
  host?: string;
}

/**
 * True for a plain data object as structured clone or JSON.parse makes it: prototype Object.prototype or null,
 * only enumerable string-keyed data properties. zod reads properties with `obj[key]`, which would also see
 * inherited ones and run getters; this rules both out before it looks.
 */
function isPlainData(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Reflect.ownKeys(value).every((key) => {
    if (typeof key !== 'string') return false;
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    return descriptor !== undefined && descriptor.enumerable === true && 'value' in descriptor;
  });
}

// Built on first use: zod schemas cost to construct, and activation needs none of them.
let schemas: { view: z.ZodMiniType<ViewMessage>; state: z.ZodMiniType<SimViewState> } | undefined;
function messageSchemas(): NonNullable<typeof schemas> {
  if (schemas) return schemas;
  const plainData = z.custom<Record<string, unknown>>(isPlainData, 'not a plain object');
  const view = z.pipe(
    plainData,
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('ready') }),
      z.strictObject({ type: z.literal('reload') }),
      z.strictObject({ type: z.literal('openExternal') }),
      z.strictObject({ type: z.literal('copyUrl') }),
    ]),
  ) satisfies z.ZodMiniType<ViewMessage>;
  const state = z.pipe(plainData, z.strictObject({ index: z.int().check(z.minimum(0)), host: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._-]{0,100}$/))) })) satisfies z.ZodMiniType<SimViewState>;
  return (schemas = { view, state });
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A short reason for the debug log: zod's issues, never the (possibly huge) input itself. */
function reasonOf(error: z.core.$ZodError): string {
  const text = error.issues.map((issue) => `${issue.path.map(String).join('.') || '(message)'}: ${issue.message}`).join('; ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function parseWith<T>(schema: z.ZodMiniType<T>, raw: unknown): Parsed<T> {
  try {
    const parsed = schema.safeParse(raw);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: reasonOf(parsed.error) };
  } catch {
    // Only an exotic object (a Proxy whose traps throw) gets here; a structured clone never does.
    return { ok: false, reason: 'unreadable value' };
  }
}

/** Validates a message received from the webview. Never throws. */
export function parseViewMessage(raw: unknown): Parsed<ViewMessage> {
  return parseWith(messageSchemas().view, raw);
}

/** Validates the state a webview persisted (handed back by VS Code when it restores the panel). Never throws. */
export function parseSimViewState(raw: unknown): Parsed<SimViewState> {
  return parseWith(messageSchemas().state, raw);
}
