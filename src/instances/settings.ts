/**
 * The extension's settings: one zod schema, one place that validates them.
 *
 * Each setting is declared once, in FIELDS: its schema, its default and a sentence saying what is
 * allowed, so that any invalid value becomes an error that names the setting, shows the bad value and
 * says what to put there instead. The `Settings` type and DEFAULT_SETTINGS are derived from it. VS Code
 * supplies the values; package.json declares the same settings for VS Code's editor, and a unit test
 * checks each of its properties (type, default, bounds, enum) against this schema.
 *
 * zod/mini rather than classic zod: the same checks with a fraction of the bundle.
 */
import * as l10n from '@vscode/l10n';
import * as z from 'zod/mini';
import { parseDockerHost } from '../docker/dockerHost';
import { buildClientUrl, urlTemplateProblem, type UrlTemplateSetting } from './clientUrl';
import { linearPatternProblem } from './linearPattern';
import { maskSecrets, maskUrlCredentials } from './redact';
import { PYTHON_SERVER_PORT_BASE } from './simPythonProtocol';
import { TEMPLATE_PLACEHOLDERS, unknownPlaceholders, type TemplateValues } from './templates';
import { VERSIONS, VERSION_SETTINGS, type PortKind, type VersionId, type VersionSetting } from './versions';

export const SETTINGS_SECTION = 'isaacSim';

const IMAGE_REF =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PYTHON_TOKEN = /^[A-Za-z0-9_-]{16,256}$/; // 6.x's token, a Kit argument: URL-safe, as secrets.token_urlsafe ([ps601])

/** A sim view URL template follows the rule in clientUrl.ts and uses only known placeholders. */
function isHttpUrlTemplate(setting: UrlTemplateSetting): (template: string) => boolean {
  return (template) => unknownPlaceholders(template).length === 0 && buildClientUrl(template, SAMPLE_VALUES, setting).ok;
}

const urlTemplateRule = () => l10n.t('with http:// or https:// at the start; a host that is exactly {host} or a host name written out; an optional port that is one port placeholder or a number; no user info ("@"), spaces or backslashes; other placeholders only after the host');

/** Longest readiness pattern accepted: they match whole log lines, not documents. */
const MAX_PATTERN_LENGTH = 500;

/**
 * Why a readiness pattern is refused, if it is. Every log line runs through these patterns in the
 * extension host, so each must run in linear time: plain text, or a regular expression the linear-time
 * matcher runs (see linearPattern.ts).
 */
export function readinessPatternProblem(source: string): string | undefined {
  if (source.length === 0) return l10n.t('it is empty');
  if (source.length > MAX_PATTERN_LENGTH) return l10n.t('it is longer than {0} characters', MAX_PATTERN_LENGTH);
  return linearPatternProblem(source);
}

const port = () => z.int().check(z.minimum(1), z.maximum(65535));

/** An absolute host folder, or one under the home folder (`~`, `~/...`). */
function isHostFolder(s: string): boolean {
  return s === '~' || s.startsWith('~/') || s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s);
}

/** The placeholders a web viewer image reference may use (webViewerPlan.ts fills them). */
export const VIEWER_IMAGE_PLACEHOLDERS = /\{(index|signalPort|streamPort)\}/g;

/**
 * A setting: its schema (built on first use: zod schemas cost to construct, and a value equal to the
 * default is never parsed), its default and what is allowed (translated when read, after activation).
 */
function field<S extends z.ZodMiniType>(make: () => S, defaultValue: z.output<S>, allowed: () => string) {
  let made: S | undefined;
  return {
    get schema(): S {
      return (made ??= make());
    },
    default: defaultValue,
    get allowed(): string {
      return allowed();
    },
  };
}

/**
 * Every setting. Defaults are ones a real user can keep: NVIDIA's 4.2 image (its Kit web client shows
 * the simulator inside VS Code without any extra container), the version read from the image, no
 * telemetry unless the user opts in, and no memory limit (NVIDIA's documented runs set none; a first
 * start that compiles shaders must not be OOM-killed: the doctor compares the host's memory with the
 * instances instead).
 */
const FIELDS = {
  instanceCount: field(() => z.int().check(z.minimum(0), z.maximum(16)), 1, () => l10n.t('a whole number of instances from 0 to 16')),
  image: field(() => z.string().check(z.regex(IMAGE_REF)), 'nvcr.io/nvidia/isaac-sim:4.2.0', () => l10n.t('a Docker image reference such as "nvcr.io/nvidia/isaac-sim:4.2.0"')),
  version: field(
    () => z.enum(VERSION_SETTINGS as [VersionSetting, ...VersionSetting[]]),
    'auto',
    () => l10n.t('one of {0} ("auto" reads it from the image\'s tag or config)', VERSION_SETTINGS.map((p) => `"${p}"`).join(', ')),
  ),
  entrypoint: field(() => z.array(z.string().check(z.minLength(1))), [], () => l10n.t('a list of non-empty strings (the command to run; [] uses the Isaac Sim version\'s launcher)')),
  portArgs: field(
    () => z.array(z.string().check(z.minLength(1), z.refine((s) => unknownPlaceholders(s).length === 0))),
    [],
    () => l10n.t('a list of argument templates that may use only {0} ([] uses the Isaac Sim version\'s arguments)', TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')),
  ),
  extraArgs: field(() => z.array(z.string()), [], () => l10n.t('a list of strings appended to the simulator\'s command line')),
  env: field(
    // zod's record skips an own "__proto__" key (JSON.parse makes one), so reject it before.
    () => z.pipe(
      z.unknown().check(z.refine((v) => v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, '__proto__'))),
      z.record(z.string().check(z.regex(ENV_NAME)), z.string()),
    ),
    {},
    () => l10n.t('an object of environment variables, names like MY_VAR mapped to string values'),
  ),
  runtime: field(() => z.string().check(z.regex(/^[A-Za-z0-9_.-]*$/)), 'nvidia', () => l10n.t('a container runtime name such as "nvidia", or "" for the engine\'s default runtime')),
  gpus: field(
    () => z.string().check(z.regex(/^(?:all|none|[A-Za-z0-9-]+(?:,[A-Za-z0-9-]+)*)$/)),
    'all',
    () => l10n.t('"all", "none", or a comma-separated list of GPU indexes or UUIDs such as "0,1" (handed to instances round-robin)'),
  ),
  privacyConsent: field(() => z.boolean(), false, () => l10n.t('true to send NVIDIA the anonymous usage data its privacy notice describes, or false (the default) not to')),
  memoryLimitGiB: field(() => z.number().check(z.minimum(0), z.maximum(1024), z.refine((n) => n === 0 || n >= 1)), 0, () => l10n.t('a memory limit in GiB from 1 to 1024, or 0 for no limit')),
  /** The free VRAM and host memory a start wants (headroom.ts); 0: no check. */
  headroomGiB: field(() => z.number().check(z.minimum(0), z.maximum(1024)), 8, () => l10n.t('a number of GiB from 0 to 1024 (0 turns the check off)')),
  hostDataRoot: field(
    () => z.string().check(z.minLength(1), z.refine(isHostFolder)),
    '~/docker/isaac-sim',
    () => l10n.t('an absolute host folder, or one under your home such as "~/docker/isaac-sim"'),
  ),
  /** null: the version's own Kit HTTP port (VersionProfile.defaultHttpPort). */
  httpPortBase: field(() => z.nullable(port()), null, () => l10n.t('a TCP port from 1 to 65535, or null for the version\'s own (8211 for 4.2, 8011 for 4.5 and later)')),
  signalPortBase: field(port, 49100, () => l10n.t('a TCP port from 1 to 65535')),
  streamPortBase: field(port, 47998, () => l10n.t('a UDP port from 1 to 65535')),
  webViewerPortBase: field(port, 8210, () => l10n.t('a TCP port from 1 to 65535')),
  /** "Run in Sim": instance N's code server on 127.0.0.1:(base + N); 6.x's token ("": the one it prints). */
  pythonServerPortBase: field(() => z.nullable(port()), PYTHON_SERVER_PORT_BASE, () => l10n.t('a TCP port from 1 to 65535, or null to enable no code server')),
  pythonServerToken: field(() => z.string().check(z.refine((s) => s === '' || PYTHON_TOKEN.test(s))), '', () => l10n.t('"" to use the token each Isaac Sim 6.x instance generates and prints in its log, or a token of 16 to 256 letters, digits, "-" or "_"')),
  webViewerImage: field(
    () => z.string().check(z.refine((s) => s === '' || IMAGE_REF.test(s.replace(VIEWER_IMAGE_PLACEHOLDERS, '0')))),
    '',
    () => l10n.t('"" or the Docker image reference of a web viewer you built, such as "my-web-viewer:{signalPort}" ({index}, {signalPort} and {streamPort} name each instance\'s own)'),
  ),
  webViewerBuildContext: field(
    () => z.string().check(z.refine((s) => s === '' || isHostFolder(s))),
    '',
    () => l10n.t('"" or the folder of NVIDIA\'s web viewer in your IsaacSim checkout, absolute or under your home, such as "~/IsaacSim/tools/docker/web-viewer"'),
  ),
  host: field(
    () => z.string().check(z.regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/)),
    '127.0.0.1',
    () => l10n.t('a host name or IP address that reaches the simulator, such as "127.0.0.1"'),
  ),
  clientUrlTemplate: field(
    () => z.string().check(z.refine(isHttpUrlTemplate('isaacSim.clientUrlTemplate'))),
    // 4.2's /streaming/webrtc-client redirects to the host's first non-loopback address, another origin
    // than the sim view frames: load the page it redirects to, on the configured host, directly.
    'http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}',
    () => l10n.t('an http(s) URL template using only {0}, such as "http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}", {1}', TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', '), urlTemplateRule()),
  ),
  webViewerUrlTemplate: field(
    () => z.string().check(z.refine(isHttpUrlTemplate('isaacSim.webViewerUrlTemplate'))),
    'http://{host}:{webViewerPort}/',
    () => l10n.t('an http(s) URL template using only {0}, such as "http://{host}:{webViewerPort}/", {1}', TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', '), urlTemplateRule()),
  ),
  readinessPatterns: field(
    () => z.array(z.string().check(z.refine((p) => readinessPatternProblem(p) === undefined))).check(z.minLength(1)),
    [
      'Isaac Sim Full Streaming App is loaded\\.', // l10n-ignore: default readiness patterns, matched against the log
      'Isaac Sim Headless Native App is loaded\\.', // l10n-ignore: default readiness patterns, matched against the log
      'Isaac Sim Headless WebRTC App is loaded\\.', // l10n-ignore: default readiness patterns, matched against the log
      'Isaac Sim App is loaded\\.', // l10n-ignore: default readiness patterns, matched against the log
      // Standalone python.sh apps and Isaac Lab (IsaacLab #949).
      'Simulation App Startup Complete', // l10n-ignore: default readiness patterns, matched against the log
    ],
    () => l10n.t('a non-empty list of regular expressions of at most {0} characters in JavaScript syntax without flags (no backreferences, no lookaround); a log line that matches any of them means the simulator is loaded', MAX_PATTERN_LENGTH),
  ),
  logTailLines: field(() => z.int().check(z.minimum(0), z.maximum(100000)), 1000, () => l10n.t('a whole number of lines from 0 to 100000')),
  stopTimeoutSeconds: field(() => z.int().check(z.minimum(0), z.maximum(600)), 20, () => l10n.t('a whole number of seconds from 0 to 600')),
  /**
   * Several engines at once (fleet.ts). Only its shape is checked here, so that one bad endpoint
   * keeps none of the others from running: each endpoint is validated on its own by planEndpoints
   * (fleetSettings.ts), and its problems name isaacSim.endpoints[i].<field>.
   */
  endpoints: field(
    () => z.array(z.unknown()),
    [],
    () => l10n.t('a list of endpoints such as [{ "name": "gpu-box", "dockerHost": "tcp://127.0.0.1:2375" }] ([] runs one engine from isaacSim.dockerHost)'),
  ),
  dockerHost: field(
    () => z.string().check(z.refine((s) => s === '' || !('problem' in parseDockerHost(s)))),
    '',
    () => l10n.t('"" (find the engine as the docker CLI does: DOCKER_HOST, DOCKER_CONTEXT, the current docker context, else the default socket), "unix:///path/to/docker.sock", "tcp://host:port" (2375, or 2376 with TLS, when the port is left out), "ssh://user@host[:port]" or "npipe:////./pipe/docker_engine"'),
  ),
  /** A docker context by name, as the CLI's --context: its host and its own TLS files (endpoint.ts). */
  dockerContext: field(
    () => z.string().check(z.regex(/^[^\s/\\]*$/), z.maxLength(200)),
    '',
    () => l10n.t('"" (no context named here), or the name of a docker context as "docker context ls" lists it, such as "gpu-box"'),
  ),
};

export type SettingKey = keyof typeof FIELDS;
export const SETTING_KEYS = Object.keys(FIELDS) as SettingKey[];

/** Validated settings: what each field's schema gives. */
export type Settings = { [K in SettingKey]: z.output<(typeof FIELDS)[K]['schema']> };

/**
 * The whole settings object as one schema, each field with its default: the manifest test compares
 * package.json with it. parseSettings checks field by field instead (to name each bad one).
 */
export function settingsSchema() {
  return z.object(
    Object.fromEntries(SETTING_KEYS.map((key) => [key, z._default(FIELDS[key].schema as z.ZodMiniType, FIELDS[key].default)])) as {
      [K in SettingKey]: z.ZodMiniDefault<(typeof FIELDS)[K]['schema']>;
    },
  );
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze(Object.fromEntries(SETTING_KEYS.map((key) => [key, FIELDS[key].default])) as Settings);

/** Template values of instance 0 under the default settings (4.2's Kit HTTP port): what URL templates are validated with. */
export const SAMPLE_VALUES: Readonly<TemplateValues> = {
  host: DEFAULT_SETTINGS.host,
  httpPort: VERSIONS['4.2'].defaultHttpPort,
  signalPort: DEFAULT_SETTINGS.signalPortBase,
  streamPort: DEFAULT_SETTINGS.streamPortBase,
  webViewerPort: DEFAULT_SETTINGS.webViewerPortBase,
  index: 0,
  label: 'instance-0',
};

export interface SettingsProblem {
  /** Full setting id, e.g. `isaacSim.memoryLimitGiB`. */
  setting: string;
  message: string;
}

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; problems: SettingsProblem[] };

function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The specific reason, where a field can say more than its "allowed" sentence. */
function whyNot(key: SettingKey, value: unknown): string {
  if ((key === 'clientUrlTemplate' || key === 'webViewerUrlTemplate') && typeof value === 'string') {
    const reason = urlTemplateProblem(value);
    return reason ? ` (${reason})` : '';
  }
  if (key === 'dockerHost' && typeof value === 'string') {
    const parsed = parseDockerHost(value);
    return 'problem' in parsed ? ` (${parsed.problem})` : '';
  }
  if (key === 'readinessPatterns' && Array.isArray(value)) {
    const k = value.findIndex((p) => typeof p === 'string' && readinessPatternProblem(p) !== undefined);
    if (k >= 0) return l10n.t(' (pattern {0}: {1})', k + 1, String(readinessPatternProblem(value[k] as string)));
  }
  return '';
}

/** How messages name a setting: its id where the settings in force hold it (fleetSettings.ts settingIdOf for an endpoint). */
export type SettingIdOf = (key: SettingKey) => string;
export const TOP_LEVEL_SETTING_ID: SettingIdOf = (key) => `${SETTINGS_SECTION}.${key}`;

/** `value` is the setting's default: the same primitive, or the same JSON. */
function isDefault(key: SettingKey, value: unknown): boolean {
  const fallback: unknown = DEFAULT_SETTINGS[key];
  if (value === fallback) return true;
  if (value === null || typeof value !== 'object' || fallback === null || typeof fallback !== 'object') return false;
  try {
    return JSON.stringify(value) === JSON.stringify(fallback);
  } catch {
    return false; // a value that cannot be shown as JSON is parsed, and refused there
  }
}

/** Defaults are shared: a list or an object is handed out as a copy. */
function copyOf<T>(value: T): T {
  return value !== null && typeof value === 'object' ? (structuredClone(value) as T) : value;
}

/**
 * Validates a raw settings object (as read from VS Code, or any unknown input). Missing keys take their
 * defaults; unknown keys are ignored. Never throws. Problems name each setting as `settingId` gives it.
 */
export function parseSettings(raw: unknown, settingId: SettingIdOf = TOP_LEVEL_SETTING_ID): SettingsResult {
  const input: Record<string, unknown> = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const problems: SettingsProblem[] = [];
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    problems.push({ setting: SETTINGS_SECTION, message: l10n.t('Settings "{0}" must be an object, got {1}. Fix it in your settings.json.', SETTINGS_SECTION, show(raw)) });
  }
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined ? input[key] : DEFAULT_SETTINGS[key];
    // The default is valid (a unit test parses each one): most settings keep it, and are not parsed.
    if (isDefault(key, value)) {
      out[key] = copyOf(DEFAULT_SETTINGS[key]);
      continue;
    }
    const parsed = z.safeParse(FIELDS[key].schema as z.ZodMiniType, value);
    if (parsed.success) {
      out[key] = parsed.data;
    } else {
      problems.push({
        setting: settingId(key),
        // An env setting can hold an NGC API key or a token: its values never reach a message.
        message: l10n.t('Setting {0} is {1}, which is not allowed{2}: use {3}.', settingId(key), key === 'pythonServerToken' ? l10n.t('a value (not shown: it is a secret)') : maskUrlCredentials(show(key === 'env' ? maskSecrets(value) : value)), whyNot(key, value), FIELDS[key].allowed),
      });
    }
  }
  if (problems.length === 0) {
    problems.push(...crossFieldProblems(out as unknown as Settings, settingId));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: out as unknown as Settings };
}

export const PORT_BASE_SETTING: Readonly<Record<PortKind, SettingKey>> = {
  http: 'httpPortBase',
  signal: 'signalPortBase',
  stream: 'streamPortBase',
  webViewer: 'webViewerPortBase',
  python: 'pythonServerPortBase',
};

/** The first port of `kind` (instance 0's) for a version: its base setting, or the version's own Kit HTTP port; undefined: none (the code server is off). */
export function portBase(s: Settings, kind: PortKind, version: VersionId): number | undefined {
  if (kind === 'http') return s.httpPortBase ?? VERSIONS[version].defaultHttpPort;
  return (s[PORT_BASE_SETTING[kind]] as number | null) ?? undefined;
}

/**
 * The version's port ranges must fit below 65536 and must not overlap. Checked when the settings are
 * read if isaacSim.version names a version, and again at each start for the version read from the image.
 */
export function portRangeProblems(s: Settings, version: VersionId, settingId: SettingIdOf = TOP_LEVEL_SETTING_ID): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const count = Math.max(s.instanceCount, 1);
  const ranges = VERSIONS[version].ports.flatMap((kind) => {
    const key = PORT_BASE_SETTING[kind];
    const from = portBase(s, kind, version);
    return from === undefined ? [] : [{ key, from, to: from + count - 1 }];
  });
  for (const r of ranges) {
    if (r.to > 65535) {
      problems.push({
        setting: settingId(r.key),
        message: l10n.t('Setting {0} is {1}, but {2} instances need ports up to {3}, past 65535: use a base of at most {4}.', settingId(r.key), r.from, s.instanceCount, r.to, 65536 - count),
      });
    }
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i];
      const b = ranges[j];
      if (a.from <= b.to && b.from <= a.to) {
        problems.push({
          setting: settingId(b.key),
          message: l10n.t('Settings {0} ({1}-{2}) and {3} ({4}-{5}) give overlapping ports for {6} instances of Isaac Sim {7}: move one base so the ranges do not overlap.', settingId(a.key), a.from, a.to, settingId(b.key), b.from, b.to, s.instanceCount, version),
        });
      }
    }
  }
  return problems;
}

function crossFieldProblems(s: Settings, settingId: SettingIdOf): SettingsProblem[] {
  const problems = s.version === 'auto' ? [] : portRangeProblems(s, s.version, settingId);
  if (s.dockerHost !== '' && s.dockerContext !== '') {
    problems.push({
      setting: settingId('dockerContext'),
      message: l10n.t('Settings {0} ("{1}") and {2} ("{3}") both name the engine, as the docker CLI\'s -H and --context, which it refuses together: keep one, and set the other to "".', settingId('dockerHost'), maskUrlCredentials(s.dockerHost), settingId('dockerContext'), s.dockerContext),
    });
  }
  if (s.webViewerImage !== '' && s.webViewerBuildContext !== '') {
    problems.push({
      setting: settingId('webViewerBuildContext'),
      message: l10n.t('Settings {0} ("{1}") and {2} ("{3}") both name where the web viewer comes from: keep one, and set the other to "".', settingId('webViewerImage'), s.webViewerImage, settingId('webViewerBuildContext'), s.webViewerBuildContext),
    });
  }
  return problems;
}

/** Invalid settings (as read, or for the version a start found): nothing was started. */
export class SettingsError extends Error {
  /** For errorInfo (errors.ts): code switches on the kind and opens the setting, never reads the message. */
  readonly kind = 'settings' as const;
  readonly setting: string | undefined;
  constructor(readonly problems: SettingsProblem[]) {
    super(l10n.t('{0} Nothing was started.', describeProblems(problems)));
    this.name = 'SettingsError';
    this.setting = problems[0]?.setting;
  }
}

/** One message for all problems, for an error notification. */
export function describeProblems(problems: SettingsProblem[]): string {
  if (problems.length === 1) return problems[0].message;
  return l10n.t('{0} Isaac Sim settings are invalid: {1}', problems.length, problems.map((p) => p.message).join(' '));
}
