/**
 * Secret masking for every text the extension shows or logs: container log lines, its own log,
 * error messages, tree tooltips and descriptions. No `vscode` here.
 *
 * Three layers, because a secret can reach a message in three ways:
 * 1. Known values: the values of isaacSim.env entries whose names look secret (NGC_API_KEY,
 *    *_TOKEN, *_SECRET, passwords…) are replaced wherever they appear, whatever surrounds them.
 * 2. Assignments: `NAME=value`, `NAME: value`, `--…/apiKey=value` or `"token": "value"` with a
 *    secret-looking NAME, even when the value is not one we know (a key the simulator read from
 *    elsewhere).
 * 3. Shapes: NGC API keys (`nvapi-…`), passwords in URLs (`http://user:…@host`) and HTTP
 *    `Authorization: Bearer/Basic …` credentials.
 *
 * Values shorter than MIN_SECRET_LENGTH are not masked by value (masking "1" everywhere would wreck
 * every line); layer 2 still masks them where they are assigned.
 */
export const MASK = '***';

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

export const MIN_SECRET_LENGTH = 4;

/** A secret-looking name: NGC_API_KEY, GITHUB_TOKEN, db-password, apiKey, clientSecret, … */
const SECRET_WORD = String.raw`[A-Za-z0-9_.\-/]*?(?:api[_-]?key|apikey|token|secret|password|passwd|credentials?|access[_-]?key|private[_-]?key)[A-Za-z0-9_.\-]*`;
/** NAME=value, NAME: value, "NAME": "value", --/path/NAME=value. The value ends at whitespace, a quote, a comma or a brace. */
const ASSIGNMENT = new RegExp(String.raw`(["']?\b${SECRET_WORD}["']?\s*(?:=|:)\s*["']?)([^\s"',;}\]]+)`, 'gi');
const SHAPES: RegExp[] = [
  /\bnvapi-[A-Za-z0-9_-]{8,}/g,
  /\b(Authorization\s*:\s*(?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]+/gi,
  /\b(Bearer\s+)[A-Za-z0-9._~+/-]{16,}=*/g,
];

/**
 * Every text that layer 2 or 3 can mask contains one of these: a secret word of ASSIGNMENT
 * (`password` and `passwd` both begin `passw`, `credentials` begins `credential`), `://` of a URL
 * with a password, or the start of a SHAPE. Most lines contain none, and one run of this is a
 * fraction of the five it spares.
 */
const MAYBE_SECRET = /api[_-]?key|apikey|token|secret|passw|credential|access[_-]?key|private[_-]?key|:\/\/|nvapi-|authorization|bearer/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Redactor {
  private known: RegExp | undefined;
  private env: Readonly<Record<string, string>> = {};
  /** Secrets learnt at run time (a code server's token, simPython.ts): kept across `update`. */
  private readonly extra = new Set<string>();

  /** Takes the secret values from an env mapping (isaacSim.env). Call again when settings change. */
  constructor(env: Readonly<Record<string, string>> = {}) {
    this.update(env);
  }

  update(env: Readonly<Record<string, string>>): void {
    this.env = env;
    const values = new Set<string>();
    const add = (value: string): void => {
      values.add(value);
      // A value can also appear encoded: in a URL, or JSON-escaped inside an engine error.
      values.add(encodeURIComponent(value));
      values.add(JSON.stringify(value).slice(1, -1));
    };
    for (const [name, value] of Object.entries(env)) {
      if (!SECRET_NAME.test(name) || typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      add(value);
    }
    for (const value of this.extra) add(value);
    // Longest first, so a secret that contains another is masked whole.
    const sorted = [...values].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
    this.known = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  /** Masks `value` from now on, whatever the settings (values shorter than MIN_SECRET_LENGTH are ignored). */
  addSecret(value: string): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.extra.has(value)) return;
    this.extra.add(value);
    this.update(this.env);
  }

  /** The text with every secret replaced by "***". Never throws; non-strings are stringified. */
  redact(text: string): string {
    const out = this.maskKnown(typeof text === 'string' ? text : String(text));
    return MAYBE_SECRET.test(out) ? maskPatterns(out) : out;
  }

  /** `redact` without its quick check: every layer runs on every text (the unit tests compare the two). */
  redactEveryLayer(text: string): string {
    return maskPatterns(this.maskKnown(typeof text === 'string' ? text : String(text)));
  }

  private maskKnown(text: string): string {
    let out = text;
    if (this.known) {
      // Again until stable: masking can join the text around a secret into another copy of it
      // ("a" + "***" when the secret is "a***"). Each pass shortens the text, so this ends.
      for (let previous = ''; previous !== out; ) {
        previous = out;
        out = out.replace(this.known, MASK);
      }
    }
    return out;
  }
}

/** Layers 2 and 3. */
function maskPatterns(text: string): string {
  let out = text.replace(ASSIGNMENT, (_m, head: string, value: string) => (value === MASK ? `${head}${value}` : `${head}${MASK}`));
  out = maskUrlCredentials(out);
  for (const shape of SHAPES) {
    out = out.replace(shape, (match: string, head?: string) => (typeof head === 'string' && match.startsWith(head) ? `${head}${MASK}` : MASK));
  }
  return out;
}
