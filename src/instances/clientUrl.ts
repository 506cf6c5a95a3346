/**
 * The sim view's URL: a URL template from the settings (isaacSim.clientUrlTemplate or
 * isaacSim.webViewerUrlTemplate) expanded with one instance's values.
 *
 * Design note — the rule. The URL is loaded into an iframe inside VS Code, so where it points must be decided by
 * what the user wrote, never by a value that happens to be pasted into it or by a quirk of the URL parser.
 * A template is `SCHEME://AUTHORITY[REST]`:
 *   - SCHEME is `http` or `https` (any case), right at the start: no leading space, no placeholder.
 *   - AUTHORITY runs up to the first `/`, `?`, `#` or the end, and is `HOST` or `HOST:PORT`.
 *     HOST is exactly `{host}` (the value of isaacSim.host), or a host name, IPv4 address or `[IPv6]` address that
 *     the user wrote out in ASCII (e.g. a reverse proxy for the custom profile). PORT is exactly one port
 *     placeholder (`{httpPort}` … `{webViewerPort}`) or a number from 1 to 65535. No user info (`@`), no `%`
 *     escapes, no other placeholder, and no placeholder next to other text.
 *   - REST (path, query, fragment) may use every placeholder; each value is percent-encoded
 *     (`encodeURIComponent`), so it stays data inside its component and cannot end it.
 *   - No whitespace, control characters or backslashes anywhere: the URL parser silently drops tabs and newlines
 *     and reads `\` as `/`, which would let the parsed URL differ from what the template seems to say.
 * `{host}`'s value must itself be a host name, IPv4 address or `[IPv6]` address (as isaacSim.host's schema says),
 * and port values whole numbers from 1 to 65535. Last, the expanded URL is parsed by the WHATWG parser (the one
 * the webview uses) and must be http(s), without credentials, with exactly the origin the authority names — a
 * check that does not trust the steps above. So the iframe's origin is always isaacSim.host or a host the user
 * typed into the template; a template or a value that could lead anywhere else is an error naming the setting.
 * (In an untrusted workspace VS Code takes both templates from user settings only: restrictedConfigurations.)
 *
 * Pure and free of `vscode`; settings.ts validates templates with it, so it imports nothing from settings.ts.
 */
import * as l10n from '@vscode/l10n';
import type { TemplateValues } from './templates';

/** The setting ids a sim view URL can come from. */
export type UrlTemplateSetting = 'isaacSim.clientUrlTemplate' | 'isaacSim.webViewerUrlTemplate';

export type ClientUrlResult =
  | { ok: true; url: string; origin: string }
  /** `setting` is the one to fix; `message` names it, shows the bad value and says what to do. */
  | { ok: false; setting: string; message: string };

type PortPlaceholder = 'httpPort' | 'signalPort' | 'streamPort' | 'webViewerPort';

/** The settings a URL's values come from: isaacSim.host and the port bases, by key. */
export type UrlValueSetting = 'host' | 'httpPortBase' | 'signalPortBase' | 'streamPortBase' | 'webViewerPortBase';
/** How an error names them: the setting in force for this engine (an endpoint may set its own); default the top-level ids. */
export type UrlSettingIdOf = (key: UrlValueSetting) => string;
const topLevelId: UrlSettingIdOf = (key) => `isaacSim.${key}`;

/** Placeholders that may stand for the port of the URL, and the setting each one comes from. */
const PORT_PLACEHOLDER_KEY: Readonly<Record<PortPlaceholder, UrlValueSetting>> = {
  httpPort: 'httpPortBase',
  signalPort: 'signalPortBase',
  streamPort: 'streamPortBase',
  webViewerPort: 'webViewerPortBase',
};

/** What isaacSim.host allows (the same pattern as its schema): a DNS name, an IPv4 address or a bracketed IPv6. */
export const HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

const EXAMPLES: Readonly<Record<UrlTemplateSetting, string>> = {
  'isaacSim.clientUrlTemplate': 'http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}',
  'isaacSim.webViewerUrlTemplate': 'http://{host}:{webViewerPort}/',
};

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;
const SCHEME = /^(https?):\/\//i;
/** Whitespace (including Unicode spaces such as NBSP and U+2028), C0/C1 controls, DEL, or a backslash. */
function hasUnsafeChar(text: string): boolean {
  if (/[\s\\]/.test(text)) return true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/** The parts of a template whose authority follows the rule, or why it does not. */
type ParsedTemplate =
  | { ok: true; scheme: 'http' | 'https'; host: { placeholder: true } | { placeholder: false; literal: string }; port: { placeholder: PortPlaceholder } | { literal: number } | undefined; rest: string }
  | { ok: false; reason: string };

function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}..."` : text;
}

function isPortPlaceholder(name: string): name is PortPlaceholder {
  return Object.prototype.hasOwnProperty.call(PORT_PLACEHOLDER_KEY, name);
}

/** True when `host` is a usable host as written (ASCII name, IPv4 or [IPv6]) that the URL parser accepts. */
function isUsableHost(host: string): boolean {
  if (!HOST_PATTERN.test(host)) return false;
  try {
    new URL(`http://${host}/`);
    return true;
  } catch {
    return false;
  }
}

/** Splits a template into scheme, authority and the rest, applying the rule above to all but the values. */
function parseTemplate(template: string): ParsedTemplate {
  if (hasUnsafeChar(template)) return { ok: false, reason: l10n.t('it contains a space, a control character or a backslash') };
  const scheme = SCHEME.exec(template);
  if (!scheme) return { ok: false, reason: l10n.t('it must start with http:// or https://') };
  const afterScheme = template.slice(scheme[0].length);
  const end = afterScheme.search(/[/?#]/);
  const authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
  const rest = end === -1 ? '' : afterScheme.slice(end);
  if (authority === '') return { ok: false, reason: l10n.t('it names no host after the //') };
  if (authority.includes('@')) return { ok: false, reason: l10n.t('it has user info ("@") before the host') };

  // A bracketed IPv6 literal may hold colons; anywhere else the first colon starts the port.
  const closing = authority.startsWith('[') ? authority.indexOf(']') : -1;
  const colon = authority.indexOf(':', closing === -1 ? 0 : closing);
  const hostPart = colon === -1 ? authority : authority.slice(0, colon);
  const portPart = colon === -1 ? undefined : authority.slice(colon + 1);

  let host: { placeholder: true } | { placeholder: false; literal: string };
  if (hostPart === '{host}') {
    host = { placeholder: true };
  } else if (/[{}]/.test(hostPart)) {
    return { ok: false, reason: l10n.t('its host "{0}" must be exactly {host}, or a host name written out without placeholders', hostPart) };
  } else if (!isUsableHost(hostPart)) {
    return { ok: false, reason: l10n.t('its host "{0}" is not a host name, IPv4 address or [IPv6] address written in ASCII', hostPart) };
  } else {
    host = { placeholder: false, literal: hostPart };
  }

  let port: { placeholder: PortPlaceholder } | { literal: number } | undefined;
  if (portPart !== undefined) {
    const placeholder = /^\{([A-Za-z]+)\}$/.exec(portPart)?.[1];
    if (placeholder !== undefined && isPortPlaceholder(placeholder)) {
      port = { placeholder };
    } else if (/^[0-9]{1,5}$/.test(portPart) && Number(portPart) >= 1 && Number(portPart) <= 65535) {
      port = { literal: Number(portPart) };
    } else {
      return { ok: false, reason: l10n.t('its port "{0}" must be one of {1} or a number from 1 to 65535', portPart, Object.keys(PORT_PLACEHOLDER_KEY).map((p) => `{${p}}`).join(', ')) };
    }
  }
  return { ok: true, scheme: scheme[1].toLowerCase() as 'http' | 'https', host, port, rest };
}

function templateError(setting: UrlTemplateSetting, template: string, reason: string): ClientUrlResult {
  return {
    ok: false,
    setting,
    message:
      l10n.t('Setting {0} is {1}, which the sim view cannot load: {2}. ', setting, show(template), reason) +
      l10n.t('Fix {0}: use an http(s) URL whose host is {host} (isaacSim.host) or a host name you write out, ', setting) +
      l10n.t('with an optional port placeholder or number, and placeholders elsewhere only after the host, such as "{0}".', EXAMPLES[setting]),
  };
}

/**
 * Why `template` breaks the rule above (scheme, authority, characters), or undefined when it follows it.
 * Placeholders after the host are not checked here: `buildClientUrl` reports one its values do not have.
 */
export function urlTemplateProblem(template: string): string | undefined {
  const parsed = parseTemplate(template);
  return parsed.ok ? undefined : parsed.reason;
}

/**
 * Expands a sim view URL template with one instance's values, under the rule in the design note above.
 * Never throws: an unusable template or value gives `{ ok: false }` with a message naming the setting to fix.
 */
export function buildClientUrl(template: string, values: TemplateValues, setting: UrlTemplateSetting, settingId: UrlSettingIdOf = topLevelId): ClientUrlResult {
  if (typeof template !== 'string') return templateError(setting, String(template), l10n.t('it is not a string'));
  const parsed = parseTemplate(template);
  if (!parsed.ok) return templateError(setting, template, parsed.reason);

  let host: string;
  if (parsed.host.placeholder) {
    host = String(values.host);
    if (!isUsableHost(host)) {
      return {
        ok: false,
        setting: settingId('host'),
        message:
          l10n.t('Setting {0} is {1}, which cannot be the host of the sim view\'s URL ({2} uses {host}). ', settingId('host'), show(host), setting) +
          l10n.t('Fix {0}: use a host name or IP address such as "127.0.0.1" (an IPv6 address in brackets, such as "[::1]").', settingId('host')),
      };
    }
  } else {
    host = parsed.host.literal;
  }

  let port = '';
  if (parsed.port && 'placeholder' in parsed.port) {
    const name = parsed.port.placeholder;
    const value = values[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
      const base = settingId(PORT_PLACEHOLDER_KEY[name]);
      return {
        ok: false,
        setting: base,
        message: l10n.t('{0} of {1} is {2}, not a port from 1 to 65535, so {3} cannot give the sim view a URL. Fix {4} (the port of instance-0; instance N uses it + N).', `{${name}}`, values.label, show(String(value)), setting, base),
      };
    }
    port = String(value);
  } else if (parsed.port) {
    port = String(parsed.port.literal);
  }

  let rest: string;
  try {
    let unknown: string | undefined;
    rest = parsed.rest.replace(PLACEHOLDER, (whole, name: string) => {
      if (!Object.prototype.hasOwnProperty.call(values, name)) {
        unknown ??= whole;
        return whole;
      }
      // Encoded as a URI component: a value can never add a '/', '?', '#' or '%' escape of its own.
      return encodeURIComponent(String(values[name as keyof TemplateValues]));
    });
    if (unknown !== undefined) return templateError(setting, template, l10n.t('{0} is not a placeholder it may use', unknown));
  } catch {
    // encodeURIComponent throws on a lone UTF-16 surrogate.
    return templateError(setting, template, l10n.t('a placeholder value is not valid text'));
  }

  const authority = port ? `${host}:${port}` : host;
  const expanded = `${parsed.scheme}://${authority}${rest}`;
  // The final check re-parses everything and trusts none of the above.
  let url: URL;
  let expected: string;
  try {
    url = new URL(expanded);
    expected = new URL(`${parsed.scheme}://${authority}/`).origin;
  } catch {
    return templateError(setting, template, l10n.t('it gives {0}, which is not a valid URL', show(expanded)));
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.origin !== expected) {
    return templateError(setting, template, l10n.t('it gives {0}, which does not point at {1}', show(expanded), expected));
  }
  return { ok: true, url: url.href, origin: url.origin };
}
