/**
 * The pure half of the Language Model tools (lmToolSpecs.ts): what each tool accepts, checked here
 * because VS Code hands a tool its input without checking it against the declared schema, and the
 * texts the tools return and the confirmations they ask for. No `vscode`: the unit tests run it in
 * plain Node. Every text made here is masked by the caller (the fleet's redactor) on its way out.
 */
// Only a type: @vscode/l10n is in dist/extension.js, and this file is in the simRun part of dist/parts.js, which
// may not hold a copy of it. The caller hands in its translator (vscode.l10n), as the `l10n`
// parameter of the texts a person reads (confirmations, the untrusted refusal); the import names it
// so that l10n-dev's extraction finds those l10n.t calls.
import type * as l10n from '@vscode/l10n';
import { describeState, formatElapsed } from '../instances/describe';
import { OrchestratorError } from '../instances/errors';
import type { HostStatus } from '../instances/fleet';
import { describeHost } from '../instances/fleet';
import type { CodeServerInfo, InstanceSnapshot } from '../instances/model';
import { instanceLabel } from '../instances/model';
import { PHASE_LABELS } from '../instances/readiness';
import type { SimRunResult } from '../instances/simPython';
import { PORT_LABELS, VERSIONS, type PortKind } from '../instances/versions';

/** The tools, by the name package.json contributes them under (lmToolNames.ts, which activation reads). */
export { TOOL_NAMES } from './lmToolNames';

export const LOG_LINES = { min: 1, max: 500, default: 50 } as const;

/** Input the model got wrong: the message says which field and what to send instead. */
export class ToolInputError extends OrchestratorError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, 'other');
    this.name = 'ToolInputError';
  }
}

/** Which instance a tool is about: its index, and the host the input named (undefined: not named). */
export interface InstanceRef {
  index: number;
  host?: string;
}

export interface LogInput extends InstanceRef {
  lines: number;
}

export interface RunInput extends InstanceRef {
  code: string;
}

function record(input: unknown): Record<string, unknown> {
  // A tool called with no arguments at all gets undefined or {}: both are "nothing given".
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new ToolInputError('input', 'The input must be a JSON object with the fields the tool declares, e.g. {"instance": "instance-0"}.');
  return input as Record<string, unknown>;
}

const LABEL = /^(?:instance-)?(\d{1,4})$/;

/** `instance` as the list shows it ("instance-0") or its index (0 or "0"); `host` when one is named. */
export function parseInstanceRef(input: unknown): InstanceRef {
  const o = record(input);
  const { instance, host } = o;
  let index: number | undefined;
  if (typeof instance === 'number' && Number.isInteger(instance) && instance >= 0) index = instance;
  else if (typeof instance === 'string') {
    const m = LABEL.exec(instance.trim());
    if (m) index = Number(m[1]);
  }
  if (index === undefined) {
    const given = instance === undefined ? 'no instance was given' : `${JSON.stringify(instance)} is not an instance`;
    throw new ToolInputError('instance', `${given}. Send "instance" as the label isaacSim_listInstances shows, e.g. "instance-0", or its index, e.g. 0.`);
  }
  if (host !== undefined && typeof host !== 'string') throw new ToolInputError('host', `"host" must be the name of a host as isaacSim_listInstances shows it (a string), not ${JSON.stringify(host)}. Leave it out with one host.`);
  return host === undefined || host === '' ? { index } : { index, host };
}

/** An instance and how many of its last log lines (1–500, 50 when not given). */
export function parseLogInput(input: unknown): LogInput {
  const ref = parseInstanceRef(input);
  const { lines } = record(input);
  if (lines === undefined) return { ...ref, lines: LOG_LINES.default };
  if (typeof lines !== 'number' || !Number.isInteger(lines) || lines < LOG_LINES.min || lines > LOG_LINES.max) {
    throw new ToolInputError('lines', `"lines" must be a whole number from ${LOG_LINES.min} to ${LOG_LINES.max}, not ${JSON.stringify(lines)}. Ask for ${LOG_LINES.max} at most (or leave it out for the last ${LOG_LINES.default}).`);
  }
  return { ...ref, lines };
}

/** An instance and the Python code to run in it (not empty). */
export function parseRunInput(input: unknown): RunInput {
  const ref = parseInstanceRef(input);
  const { code } = record(input);
  if (typeof code !== 'string' || code.trim() === '') {
    const given = code === undefined ? 'No code was given' : typeof code === 'string' ? 'The code is empty' : `"code" must be a string, not ${JSON.stringify(code)}`;
    throw new ToolInputError('code', `${given}. Send the Python source to run in "code", e.g. {"instance": "instance-0", "code": "print('hello')"}.`);
  }
  return { ...ref, code };
}

/** The optional host filter of the list tool. */
export function parseListInput(input: unknown): { host?: string } {
  const { host } = record(input);
  if (host === undefined || host === '') return {};
  if (typeof host !== 'string') throw new ToolInputError('host', `"host" must be a host's name (a string), not ${JSON.stringify(host)}. Leave it out to list every host.`);
  return { host };
}

// ---------------------------------------------------------------------------------------------
// Hosts and instances

/** What the tools read of one host: its name, what its node says, and its instances (none while its settings are invalid). */
export interface HostView {
  name: string;
  status: HostStatus | undefined;
  instances: readonly InstanceSnapshot[] | undefined;
}

/** The host an input is about: the one named, or the only one; otherwise an error naming the hosts. */
export function chooseHost(hosts: readonly { name: string }[], named: string | undefined): string {
  const names = hosts.map((h) => h.name);
  const shown = names.map((n) => JSON.stringify(n)).join(', ');
  if (named !== undefined) {
    if (names.includes(named)) return named;
    if (names.length === 1 && names[0] === '') throw new ToolInputError('host', `There is only one host here (no isaacSim.endpoints), and it has no name: leave "host" out.`);
    throw new ToolInputError('host', `There is no host named ${JSON.stringify(named)}. Use one of ${shown} (isaacSim_listInstances lists them).`);
  }
  if (names.length === 1) return names[0];
  if (names.length === 0) throw new ToolInputError('host', 'No Isaac Sim host is configured: fix isaacSim.endpoints in the settings.');
  throw new ToolInputError('host', `Several hosts are configured (${shown}): name one in "host".`);
}

/** The instance `index` of `list`, or an error naming the instances there are. */
export function chooseInstance(list: readonly InstanceSnapshot[], index: number, where: string): InstanceSnapshot {
  const found = list.find((s) => s.index === index);
  if (found) return found;
  const known = list.map((s) => s.label).join(', ') || 'none';
  throw new ToolInputError(
    'instance',
    `There is no ${instanceLabel(index)}${where}: the instances are ${known}. Use one of those (isaacSim_listInstances lists them), or raise isaacSim.instanceCount in the settings for more.`,
  );
}

function describeCode(c: CodeServerInfo): string {
  if (c.kind === 'none') return `none (${c.reason})`;
  const token = c.token === 'missing' ? ', token not known yet (it is read from the log once the server prints it)' : c.token === 'known' ? ', token known' : '';
  return `port ${c.port} (${c.extension}${token})`;
}

/** One instance, as the list tool shows it: a line with its state, then indented details. */
export function formatInstance(s: InstanceSnapshot, now: number): string {
  const lines = [`- ${s.label} (index ${s.index}): ${describeState(s, now)}`];
  const add = (k: string, v: string) => lines.push(`    ${k}: ${v}`);
  if (s.state.kind === 'loading') {
    const since = s.startup?.since ?? s.state.since;
    const phase = PHASE_LABELS[s.state.phase ?? 'container'];
    add('loading', `${phase}${s.state.phaseDetail ? ` (${s.state.phaseDetail})` : ''}, ${formatElapsed(now - since)} so far${s.startup?.etaMs ? `, usually ready after ~${formatElapsed(s.startup.etaMs)}` : ''}`);
  }
  if (s.state.kind === 'failed') {
    if (s.state.reason) add('failure', s.state.reason);
    if (s.state.fix) add('fix', s.state.fix);
  }
  add('image', `${s.image} (${VERSIONS[s.version].title}, from ${s.versionSource})`);
  const ports = Object.entries(s.ports).map(([kind, port]) => `${PORT_LABELS[kind as PortKind]} ${port}`);
  add('ports', ports.join(', ') || 'none');
  add('code server', describeCode(s.codeServer));
  add('container', s.containerId ? `${s.containerName} (${s.containerId.slice(0, 12)})` : `${s.containerName} (not created)`);
  if (s.gpu !== 'none') add('GPU', s.gpu);
  if (s.clientUrl) add('client URL', s.clientUrl);
  for (const w of s.warnings) add('warning', w);
  if (!s.configured) add('note', 'beyond isaacSim.instanceCount; listed because its container exists');
  return lines.join('\n');
}

/** The list tool's text: each host with its engine state, then its instances. */
export function formatInstanceList(hosts: readonly HostView[], now: number): string {
  const out: string[] = [];
  for (const h of hosts) {
    const head = h.name === '' ? 'Docker engine' : `Host ${JSON.stringify(h.name)}`;
    out.push(`${head}: ${h.status ? describeHost(h.status) : 'unknown'}`);
    if (!h.instances) continue;
    if (h.instances.length === 0) out.push('  (no instances: isaacSim.instanceCount is 0)');
    for (const s of h.instances) out.push(formatInstance(s, now));
  }
  if (hosts.length > 1) out.push('', 'Name the host in "host" when you start, stop, read or run in one of these.');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Logs and runs

/** The log tool's text. `label` names the instance as the user sees it. */
export function formatLogTail(label: string, asked: number, lines: readonly string[]): string {
  if (lines.length === 0) return `${label}'s container log is empty.`;
  const head = lines.length < asked ? `The whole log of ${label} (${lines.length} line${lines.length === 1 ? '' : 's'}; ${asked} were asked for):` : `The last ${lines.length} lines of ${label}'s log:`;
  return `${head}\n${lines.join('\n')}`;
}

function seconds(s: number | undefined): string {
  return s === undefined ? '' : ` in ${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

/** The run tool's text: the output, the value, or the error with its line in the sent code and the traceback. */
export function formatRunResult(label: string, r: SimRunResult): string {
  const out: string[] = [];
  if (r.ok || !r.error) out.push(r.ok ? `The code ran in ${label}${seconds(r.elapsedSeconds)}.` : `The code failed in ${label}${seconds(r.elapsedSeconds)}.`);
  else {
    const at = r.error.location?.source ? `, at line ${r.error.location.source.line} of the code` : '';
    out.push(`The code raised ${r.error.ename}${r.error.evalue ? `: ${r.error.evalue}` : ''}${at}, in ${label}${seconds(r.elapsedSeconds)}.`);
  }
  out.push(r.output ? `Output:\n${r.output.replace(/\n$/, '')}` : 'Output: (none)');
  if (r.hasResult) out.push(`Result: ${typeof r.result === 'string' ? r.result : JSON.stringify(r.result)}`);
  if (r.error?.traceback) out.push(`Traceback:\n${r.error.traceback.replace(/\n$/, '')}`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Confirmations

/** A Markdown code block that holds `code` whatever backticks it contains. */
export function codeBlock(code: string, language = 'python'): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code.replace(/\n$/, '')}\n${fence}`;
}

/** What translates a text: vscode.l10n (lmToolSpecs.ts), or @vscode/l10n (L10nModule) in plain Node; the plain form of their l10n.t. */
export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

/** @vscode/l10n's namespace: an L10n too. */
export type L10nModule = typeof l10n;

export interface Confirmation {
  title: string;
  /** Markdown. */
  message: string;
}

/** "gpu-a/instance-0" with a host, "instance-0" without. */
export function targetName(index: number, host: string | undefined): string {
  return host ? `${host}/${instanceLabel(index)}` : instanceLabel(index);
}

export function startConfirmation(name: string, s: InstanceSnapshot | undefined, l10n: L10n): Confirmation {
  return {
    title: l10n.t('Start Isaac Sim {0}?', name),
    message: s
      ? l10n.t('A chat agent asks to start the Isaac Sim instance **{0}**. It runs the image `{1}` ({2}) with the Isaac Sim settings in effect, and may take minutes to load.', name, s.image, VERSIONS[s.version].title)
      : l10n.t('A chat agent asks to start the Isaac Sim instance **{0}**. It runs the image of the Isaac Sim settings in effect.', name),
  };
}

export function stopConfirmation(name: string, l10n: L10n): Confirmation {
  return { title: l10n.t('Stop Isaac Sim {0}?', name), message: l10n.t('A chat agent asks to stop the Isaac Sim instance **{0}**. The simulator in it quits; what was not saved in the simulation is lost.', name) };
}

export function runConfirmation(name: string, code: string, l10n: L10n): Confirmation {
  return {
    title: l10n.t('Run Python in Isaac Sim {0}?', name),
    message: `${l10n.t("A chat agent asks to run this Python code inside the simulator of **{0}**, with the simulator's access to its files, network and GPU:", name)}\n\n${codeBlock(code)}`,
  };
}

/** Why start and run refuse in an untrusted workspace, and what to do. */
export function untrustedMessage(l10n: L10n): string {
  return l10n.t(
    'This workspace is not trusted, so the Isaac Sim tools do not start instances or run code here: a file of the workspace could have asked for it. Trust the workspace (command "Workspaces: Manage Workspace Trust") to allow it, or start the instance yourself with "Isaac Sim: Start Instance".',
  );
}
