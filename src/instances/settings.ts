/**
 * The extension's settings: one zod schema, one place that validates them.
 *
 * Every field carries a sentence saying what is allowed, so that any invalid value becomes an error
 * that names the setting, shows the bad value and says what to put there instead. VS Code supplies
 * the values (defaults come from package.json; a unit test keeps those equal to DEFAULT_SETTINGS).
 */
import * as z from 'zod';
import { buildClientUrl, urlTemplateProblem, type UrlTemplateSetting } from './clientUrl';
import { linearPatternProblem } from './linearPattern';
import { VERSIONS, VERSION_SETTINGS, type PortKind, type VersionId, type VersionSetting } from './versions';

export const SETTINGS_SECTION = 'isaacSim';

/** Placeholders a client URL template or a port argument template may use. */
export const TEMPLATE_PLACEHOLDERS = ['host', 'httpPort', 'signalPort', 'streamPort', 'webViewerPort', 'index', 'label'] as const;
export type TemplateValues = Record<(typeof TEMPLATE_PLACEHOLDERS)[number], string | number>;

const IMAGE_REF =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Replaces `{name}` placeholders; unknown names are left as they are (validation rejects them earlier). */
export function fillTemplate(template: string, values: Partial<TemplateValues>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name as keyof TemplateValues]) : whole,
  );
}

function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(TEMPLATE_PLACEHOLDERS);
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => !known.has(name));
}

/** Template values of instance 0 under the default settings: what URL templates are validated with. */
export const SAMPLE_VALUES: Readonly<TemplateValues> = {
  host: '127.0.0.1',
  httpPort: 8211,
  signalPort: 49100,
  streamPort: 47998,
  webViewerPort: 8210,
  index: 0,
  label: 'instance-0',
};

/** A sim view URL template follows the rule in clientUrl.ts and uses only known placeholders. */
function isHttpUrlTemplate(setting: UrlTemplateSetting): (template: string) => boolean {
  return (template) => unknownPlaceholders(template).length === 0 && buildClientUrl(template, SAMPLE_VALUES, setting).ok;
}

const URL_TEMPLATE_RULE =
  'with http:// or https:// at the start; a host that is exactly {host} or a host name written out; an optional port that is one port placeholder or a number; no user info ("@"), spaces or backslashes; other placeholders only after the host';

/** Longest readiness pattern accepted: they match whole log lines, not documents. */
const MAX_PATTERN_LENGTH = 500;

/**
 * Why a readiness pattern is refused, if it is. Every log line runs through these patterns in the
 * extension host, so each must run in linear time: plain text, or RE2 syntax (see linearPattern.ts).
 */
export function readinessPatternProblem(source: string): string | undefined {
  if (source.length === 0) return 'it is empty';
  if (source.length > MAX_PATTERN_LENGTH) return `it is longer than ${MAX_PATTERN_LENGTH} characters`;
  return linearPatternProblem(source);
}

const port = z.number().int().min(1).max(65535);

/** Each setting: its schema, and the sentence that says what is allowed. */
const FIELDS = {
  instanceCount: {
    schema: z.number().int().min(0).max(16),
    allowed: 'a whole number of instances from 0 to 16',
  },
  image: {
    schema: z.string().regex(IMAGE_REF),
    allowed: 'a Docker image reference such as "nvcr.io/nvidia/isaac-sim:4.2.0"',
  },
  version: {
    schema: z.enum(VERSION_SETTINGS as [VersionSetting, ...VersionSetting[]]),
    allowed: `one of ${VERSION_SETTINGS.map((p) => `"${p}"`).join(', ')} ("auto" reads it from the image's tag or config)`,
  },
  entrypoint: {
    schema: z.array(z.string().min(1)),
    allowed: 'a list of non-empty strings (the command to run; [] uses the Isaac Sim version\'s launcher)',
  },
  portArgs: {
    schema: z.array(z.string().min(1).refine((s) => unknownPlaceholders(s).length === 0)),
    allowed: `a list of argument templates that may use only ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')} ([] uses the Isaac Sim version's arguments)`,
  },
  extraArgs: {
    schema: z.array(z.string()),
    allowed: 'a list of strings appended to the simulator\'s command line',
  },
  env: {
    // zod's record skips an own "__proto__" key (JSON.parse makes one), so reject it before.
    schema: z
      .unknown()
      .refine((v) => v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, '__proto__'))
      .pipe(z.record(z.string().regex(ENV_NAME), z.string())),
    allowed: 'an object of environment variables, names like MY_VAR mapped to string values',
  },
  runtime: {
    schema: z.string().regex(/^[A-Za-z0-9_.-]*$/),
    allowed: 'a container runtime name such as "nvidia", or "" for the engine\'s default runtime',
  },
  gpus: {
    schema: z.string().regex(/^(?:all|none|[A-Za-z0-9-]+(?:,[A-Za-z0-9-]+)*)$/),
    allowed: '"all", "none", or a comma-separated list of GPU indexes or UUIDs such as "0,1" (handed to instances round-robin)',
  },
  privacyConsent: {
    schema: z.boolean(),
    allowed: 'true to send NVIDIA the anonymous usage data its privacy notice describes, or false (the default) not to',
  },
  memoryLimitGiB: {
    schema: z.number().min(0).max(1024).refine((n) => n === 0 || n >= 1),
    allowed: 'a memory limit in GiB from 1 to 1024, or 0 for no limit',
  },
  hostDataRoot: {
    schema: z.string().min(1).refine((s) => s === '~' || s.startsWith('~/') || s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s)),
    allowed: 'an absolute host folder, or one under your home such as "~/docker/isaac-sim"',
  },
  httpPortBase: { schema: port.nullable(), allowed: 'a TCP port from 1 to 65535, or null for the version\'s own (8211 for 4.2, 8011 for 4.5 and later)' },
  signalPortBase: { schema: port, allowed: 'a TCP port from 1 to 65535' },
  streamPortBase: { schema: port, allowed: 'a UDP port from 1 to 65535' },
  webViewerPortBase: { schema: port, allowed: 'a TCP port from 1 to 65535' },
  host: {
    schema: z.string().regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/),
    allowed: 'a host name or IP address that reaches the simulator, such as "127.0.0.1"',
  },
  clientUrlTemplate: {
    schema: z.string().refine(isHttpUrlTemplate('isaacSim.clientUrlTemplate')),
    allowed: `an http(s) URL template using only ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, such as "http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}", ${URL_TEMPLATE_RULE}`,
  },
  webViewerUrlTemplate: {
    schema: z.string().refine(isHttpUrlTemplate('isaacSim.webViewerUrlTemplate')),
    allowed: `an http(s) URL template using only ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, such as "http://{host}:{webViewerPort}/", ${URL_TEMPLATE_RULE}`,
  },
  readinessPatterns: {
    schema: z.array(z.string().refine((p) => readinessPatternProblem(p) === undefined)).min(1),
    allowed: `a non-empty list of regular expressions of at most ${MAX_PATTERN_LENGTH} characters in RE2 syntax (no backreferences, no lookaround); a log line that matches any of them means the simulator is loaded`,
  },
  logTailLines: {
    schema: z.number().int().min(0).max(100000),
    allowed: 'a whole number of lines from 0 to 100000',
  },
  stopTimeoutSeconds: {
    schema: z.number().int().min(0).max(600),
    allowed: 'a whole number of seconds from 0 to 600',
  },
  dockerHost: {
    schema: z.string().regex(/^(?:|unix:\/\/\/.+|tcp:\/\/[^/\s]+:[0-9]{1,5}|npipe:\/\/.+)$/),
    allowed: '"" (use DOCKER_HOST or the default socket), "unix:///path/to/docker.sock" or "tcp://host:port"',
  },
} as const;

export type SettingKey = keyof typeof FIELDS;
export const SETTING_KEYS = Object.keys(FIELDS) as SettingKey[];

export interface Settings {
  instanceCount: number;
  image: string;
  version: VersionSetting;
  entrypoint: string[];
  portArgs: string[];
  extraArgs: string[];
  env: Record<string, string>;
  runtime: string;
  gpus: string;
  privacyConsent: boolean;
  memoryLimitGiB: number;
  hostDataRoot: string;
  /** null: the version's own Kit HTTP port (VersionProfile.defaultHttpPort). */
  httpPortBase: number | null;
  signalPortBase: number;
  streamPortBase: number;
  webViewerPortBase: number;
  host: string;
  clientUrlTemplate: string;
  webViewerUrlTemplate: string;
  readinessPatterns: string[];
  logTailLines: number;
  stopTimeoutSeconds: number;
  dockerHost: string;
}

/**
 * Defaults a real user can keep: NVIDIA's 4.2 image (its Kit web client shows the simulator inside
 * VS Code without any extra container), the version read from the image, no telemetry unless the
 * user opts in, and no memory limit (NVIDIA's documented runs set none; a first start that compiles
 * shaders must not be OOM-killed: the doctor compares the host's memory with the instances instead).
 */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  instanceCount: 1,
  image: 'nvcr.io/nvidia/isaac-sim:4.2.0',
  version: 'auto',
  entrypoint: [],
  portArgs: [],
  extraArgs: [],
  env: {},
  runtime: 'nvidia',
  gpus: 'all',
  privacyConsent: false,
  memoryLimitGiB: 0,
  hostDataRoot: '~/docker/isaac-sim',
  httpPortBase: null,
  signalPortBase: 49100,
  streamPortBase: 47998,
  webViewerPortBase: 8210,
  host: '127.0.0.1',
  // 4.2's /streaming/webrtc-client redirects to the host's first non-loopback address, another origin
  // than the sim view frames: load the page it redirects to, on the configured host, directly.
  clientUrlTemplate: 'http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}',
  webViewerUrlTemplate: 'http://{host}:{webViewerPort}/',
  readinessPatterns: [
    'Isaac Sim Full Streaming App is loaded\\.',
    'Isaac Sim Headless Native App is loaded\\.',
    'Isaac Sim Headless WebRTC App is loaded\\.',
    'Isaac Sim App is loaded\\.',
    // Standalone python.sh apps and Isaac Lab (IsaacLab #949).
    'Simulation App Startup Complete',
  ],
  logTailLines: 1000,
  stopTimeoutSeconds: 20,
  dockerHost: '',
});

export interface SettingsProblem {
  /** Full setting id, e.g. `isaacSim.memoryLimitGiB`. */
  setting: string;
  message: string;
}

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; problems: SettingsProblem[] };

/** Environment variable names whose values are secrets: API keys, tokens, passwords. */
export const SECRET_NAME = /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?)($|_)/i;

/** Text with the password of any `scheme://user:password@` replaced by "***". */
export function maskUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/@]+@/gi, '$1***@');
}

/** A copy of an env object with secret-looking values replaced by "***", for messages and logs. */
export function maskSecrets(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_NAME.test(k) ? '***' : v]));
}

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
  if (key === 'readinessPatterns' && Array.isArray(value)) {
    const k = value.findIndex((p) => typeof p === 'string' && readinessPatternProblem(p) !== undefined);
    if (k >= 0) return ` (pattern ${k + 1}: ${readinessPatternProblem(value[k] as string)})`;
  }
  return '';
}

function settingId(key: string): string {
  return `${SETTINGS_SECTION}.${key}`;
}

/**
 * Validates a raw settings object (as read from VS Code, or any unknown input).
 * Missing keys take their defaults; unknown keys are ignored. Never throws.
 */
export function parseSettings(raw: unknown): SettingsResult {
  const input: Record<string, unknown> = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const problems: SettingsProblem[] = [];
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    problems.push({ setting: SETTINGS_SECTION, message: `Settings "${SETTINGS_SECTION}" must be an object, got ${show(raw)}. Fix it in your settings.json.` });
  }
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined ? input[key] : DEFAULT_SETTINGS[key];
    const field = FIELDS[key];
    const parsed = (field.schema as z.ZodType).safeParse(value);
    if (parsed.success) {
      out[key] = parsed.data;
    } else {
      problems.push({
        setting: settingId(key),
        // An env setting can hold an NGC API key or a token: its values never reach a message.
        message: `Setting ${settingId(key)} is ${maskUrlCredentials(show(key === 'env' ? maskSecrets(value) : value))}, which is not allowed${whyNot(key, value)}: use ${field.allowed}.`,
      });
    }
  }
  if (problems.length === 0) {
    problems.push(...crossFieldProblems(out as unknown as Settings));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: out as unknown as Settings };
}

export const PORT_BASE_SETTING: Readonly<Record<PortKind, SettingKey>> = {
  http: 'httpPortBase',
  signal: 'signalPortBase',
  stream: 'streamPortBase',
  webViewer: 'webViewerPortBase',
};

/** The first port of `kind` (instance 0's) for a version: its base setting, or the version's own Kit HTTP port. */
export function portBase(s: Settings, kind: PortKind, version: VersionId): number {
  if (kind === 'http') return s.httpPortBase ?? VERSIONS[version].defaultHttpPort;
  return s[PORT_BASE_SETTING[kind]] as number;
}

/**
 * The version's port ranges must fit below 65536 and must not overlap. Checked when the settings are
 * read if isaacSim.version names a version, and again at each start for the version read from the image.
 */
export function portRangeProblems(s: Settings, version: VersionId): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const count = Math.max(s.instanceCount, 1);
  const ranges = VERSIONS[version].ports.map((kind) => {
    const key = PORT_BASE_SETTING[kind];
    const from = portBase(s, kind, version);
    return { key, from, to: from + count - 1 };
  });
  for (const r of ranges) {
    if (r.to > 65535) {
      problems.push({
        setting: settingId(r.key),
        message: `Setting ${settingId(r.key)} is ${r.from}, but ${s.instanceCount} instances need ports up to ${r.to}, past 65535: use a base of at most ${65536 - count}.`,
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
          message: `Settings ${settingId(a.key)} (${a.from}-${a.to}) and ${settingId(b.key)} (${b.from}-${b.to}) give overlapping ports for ${s.instanceCount} instances of Isaac Sim ${version}: move one base so the ranges do not overlap.`,
        });
      }
    }
  }
  return problems;
}

function crossFieldProblems(s: Settings): SettingsProblem[] {
  return s.version === 'auto' ? [] : portRangeProblems(s, s.version);
}

/** Invalid settings (as read, or for the version a start found): nothing was started. */
export class SettingsError extends Error {
  constructor(readonly problems: SettingsProblem[]) {
    super(`${describeProblems(problems)} Nothing was started.`);
    this.name = 'SettingsError';
  }
}

/** One message for all problems, for an error notification. */
export function describeProblems(problems: SettingsProblem[]): string {
  if (problems.length === 1) return problems[0].message;
  return `${problems.length} Isaac Sim settings are invalid: ${problems.map((p) => p.message).join(' ')}`;
}
