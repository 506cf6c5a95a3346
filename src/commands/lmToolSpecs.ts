/**
 * The Language Model tools' implementations (issue 13, point 5), for chat agents: list the
 * instances, start one, stop one, read its log, run Python in it. package.json contributes them
 * (contributes.languageModelTools); lmTools.ts registers them at activation, and this file loads
 * from the simRun part of dist/parts.js on a tool's first call (simRunModule.ts).
 *
 * Design note
 * - Confirmation: start, stop and run change something, so their prepareInvocation returns
 *   confirmationMessages and VS Code asks the user before invoke runs (inline in chat; a modal dialog
 *   for a call made outside a chat request). The run's message shows the code, masked. List and log
 *   only read, and ask nothing. Input that can never be valid (no instance, no code, lines out of
 *   range) is refused in invoke without asking first: the user is not asked to approve a call that
 *   will fail anyway. Whatever prepareInvocation saw, invoke checks everything again. (While
 *   extension tests run, VS Code confirms by itself; LmTools.asked keeps what was asked, for them.)
 * - Workspace trust: in an untrusted workspace start and run refuse (UNTRUSTED_MESSAGE), and their
 *   `when` clause (isWorkspaceTrusted) keeps them from being offered to a model there. A cloned
 *   repository's files reach the model's context, so they could ask an agent to start containers or
 *   run code; the user's confirmation alone should not be the only guard against that. List, log
 *   and stop stay available: what they read or stop is decided by user settings only in an untrusted
 *   workspace (the Docker host, endpoints and env are restricted settings), they start nothing,
 *   stop asks first and only ever stops our own containers, and what they return is masked.
 * - Secrets: every text a tool returns, and every error message, goes through the fleet's redactor
 *   (the secret env values, code-server tokens, token=… assignments), as do the confirmations.
 * - VS Code does not check a tool's input against its inputSchema: lmToolsFormat.ts does, and its
 *   errors say what to send instead. Errors are thrown (VS Code hands their message to the model).
 * - The tools hold no state: each call reads the fleet (the one owner of hosts and instances).
 */
import * as vscode from 'vscode';
import { describeState } from '../instances/describe';
import { errorInfo } from '../instances/errors';
import type { FleetView } from '../instances/fleet';
import type { Manager } from '../instances/manager';
import type { InstanceSnapshot } from '../instances/model';
import {
  TOOL_NAMES,
  untrustedMessage,
  chooseHost,
  chooseInstance,
  formatInstanceList,
  formatLogTail,
  formatRunResult,
  parseInstanceRef,
  parseListInput,
  parseLogInput,
  parseRunInput,
  runConfirmation,
  startConfirmation,
  stopConfirmation,
  targetName,
  type Confirmation,
  type InstanceRef,
} from './lmToolsFormat';

/** What the frames of a tool's code are mapped to (the code has no file of its own). */
const TOOL_CODE_FILE = 'the code sent by isaacSim_runPython';

interface Target {
  host: string;
  manager: Manager;
  snapshot: InstanceSnapshot;
  /** How messages name it: "instance-0", or "gpu-a/instance-0" with several hosts. */
  name: string;
}

interface ToolSpec<I> {
  name: string;
  /** Refused in an untrusted workspace. */
  needsTrust: boolean;
  /** Throws a ToolInputError for input that can never be valid. */
  parse(input: unknown): I;
  /** The progress message, and the confirmation to ask for (none for tools that only read). */
  prepare(fleet: FleetView, input: I): { invocation: string; confirm?: Confirmation };
  run(fleet: FleetView, input: I, signal: AbortSignal): Promise<string>;
}

/** The name messages use: with several hosts it carries the host. */
function nameOf(fleet: FleetView, ref: InstanceRef): string {
  if (fleet.multiple && ref.host === undefined) return vscode.l10n.t('{0} (no host named)', targetName(ref.index, undefined));
  return targetName(ref.index, fleet.multiple ? ref.host : undefined);
}

/** The snapshot the confirmation can describe, if the fleet knows it now (no engine call: prepareInvocation must be free of side effects). */
function known(fleet: FleetView, ref: InstanceRef): InstanceSnapshot | undefined {
  const host = ref.host ?? (fleet.multiple ? undefined : fleet.hosts[0]?.name);
  return host === undefined ? undefined : fleet.host(host)?.manager?.get(ref.index);
}

/** The instance the input names, on a connected manager when the engine answers (an unreachable one is the operation's to report). */
async function resolve(fleet: FleetView, ref: InstanceRef): Promise<Target> {
  const host = chooseHost(fleet.hosts, ref.host);
  const manager = fleet.require(host);
  await manager.connect().catch(() => undefined);
  const snapshot = chooseInstance(manager.list(), ref.index, host ? ` on host ${JSON.stringify(host)}` : '');
  return { host, manager, snapshot, name: fleet.multiple ? `${host}/${snapshot.label}` : snapshot.label };
}

const listTool: ToolSpec<{ host?: string }> = {
  name: TOOL_NAMES.list,
  needsTrust: false,
  parse: parseListInput,
  prepare: () => ({ invocation: vscode.l10n.t('Listing the Isaac Sim instances') }),
  async run(fleet, input) {
    if (input.host !== undefined) chooseHost(fleet.hosts, input.host);
    await fleet.connectAll();
    const hosts = fleet.hosts.filter((h) => input.host === undefined || h.name === input.host);
    return formatInstanceList(
      hosts.map((h) => ({ name: h.name, status: fleet.status(h.name), instances: h.manager?.list() })),
      Date.now(),
    );
  },
};

const startTool: ToolSpec<InstanceRef> = {
  name: TOOL_NAMES.start,
  needsTrust: true,
  parse: parseInstanceRef,
  prepare: (fleet, ref) => ({ invocation: vscode.l10n.t('Starting Isaac Sim {0}', nameOf(fleet, ref)), confirm: startConfirmation(nameOf(fleet, ref), known(fleet, ref), vscode.l10n) }),
  async run(fleet, ref, signal) {
    const t = await resolve(fleet, ref);
    if (t.snapshot.state.kind === 'ready') return vscode.l10n.t('{0} is already running and ready.', t.name);
    await t.manager.start(t.snapshot.index, { signal });
    const now = t.manager.get(t.snapshot.index);
    const state = now ? describeState(now) : vscode.l10n.t('starting');
    return now?.startup?.etaMs
      ? vscode.l10n.t(
          '{0} started: its container runs and the simulator is loading; it is now {1}. Call isaacSim_listInstances to see when it is ready (earlier starts of this image took about {2} s); code can run in it only then.',
          t.name,
          state,
          Math.round(now.startup.etaMs / 1000),
        )
      : vscode.l10n.t('{0} started: its container runs and the simulator is loading; it is now {1}. Call isaacSim_listInstances to see when it is ready; code can run in it only then.', t.name, state);
  },
};

const stopTool: ToolSpec<InstanceRef> = {
  name: TOOL_NAMES.stop,
  needsTrust: false,
  parse: parseInstanceRef,
  prepare: (fleet, ref) => ({ invocation: vscode.l10n.t('Stopping Isaac Sim {0}', nameOf(fleet, ref)), confirm: stopConfirmation(nameOf(fleet, ref), vscode.l10n) }),
  async run(fleet, ref) {
    const t = await resolve(fleet, ref);
    if (!t.snapshot.exists) return vscode.l10n.t('{0} has no container, so there is nothing to stop.', t.name);
    await t.manager.stop(t.snapshot.index);
    return vscode.l10n.t('{0} stopped. Its container stays, for a later start (isaacSim_startInstance).', t.name);
  },
};

const logTool: ToolSpec<ReturnType<typeof parseLogInput>> = {
  name: TOOL_NAMES.logs,
  needsTrust: false,
  parse: parseLogInput,
  prepare: (fleet, input) => ({ invocation: vscode.l10n.t('Reading the last {0} log lines of Isaac Sim {1}', input.lines, nameOf(fleet, input)) }),
  async run(fleet, input) {
    const t = await resolve(fleet, input);
    const lines = await t.manager.logTail(t.snapshot.index, input.lines);
    return formatLogTail(t.name, input.lines, lines);
  },
};

const runTool: ToolSpec<ReturnType<typeof parseRunInput>> = {
  name: TOOL_NAMES.run,
  needsTrust: true,
  parse: parseRunInput,
  prepare: (fleet, input) => ({ invocation: vscode.l10n.t('Running Python in Isaac Sim {0}', nameOf(fleet, input)), confirm: runConfirmation(nameOf(fleet, input), input.code, vscode.l10n) }),
  async run(fleet, input, signal) {
    const t = await resolve(fleet, input);
    const result = await t.manager.runCode(t.snapshot.index, input.code, { signal, origin: { file: TOOL_CODE_FILE, firstLine: 1 } });
    return formatRunResult(t.name, result);
  },
};

const TOOLS = [listTool, startTool, stopTool, logTool, runTool] as ToolSpec<unknown>[];

/** A confirmation a tool asked VS Code to show (as shown: masked); `seq` counts them from 1. */
export interface AskedConfirmation {
  seq?: number;
  tool: string;
  title: string;
  /** Markdown. */
  message: string;
}

/** The VS Code side of one tool: trust, confirmation, cancellation, masking, errors. `asked` hears each confirmation it asks for. */
function adapt<I>(fleet: FleetView, spec: ToolSpec<I>, asked: (c: AskedConfirmation) => void): vscode.LanguageModelTool<unknown> {
  const redact = (text: string) => fleet.redactor.redact(text);
  return {
    prepareInvocation(options) {
      let input: I;
      try {
        input = spec.parse(options.input);
      } catch {
        // invoke refuses it with the reason; nothing to confirm.
        return { invocationMessage: vscode.l10n.t('Checking the input of {0}', spec.name) };
      }
      if (spec.needsTrust && !vscode.workspace.isTrusted) return { invocationMessage: vscode.l10n.t('{0}: refused in an untrusted workspace', spec.name) };
      const { invocation, confirm } = spec.prepare(fleet, input);
      if (!confirm) return { invocationMessage: redact(invocation) };
      const shown = { title: redact(confirm.title), message: redact(confirm.message) };
      asked({ tool: spec.name, ...shown });
      return { invocationMessage: redact(invocation), confirmationMessages: { title: shown.title, message: new vscode.MarkdownString(shown.message) } };
    },
    async invoke(options, token) {
      if (spec.needsTrust && !vscode.workspace.isTrusted) throw new Error(untrustedMessage(vscode.l10n));
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        const input = spec.parse(options.input);
        const text = await spec.run(fleet, input, controller.signal);
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(redact(text))]);
      } catch (err) {
        if (token.isCancellationRequested || errorInfo(err).kind === 'cancelled') throw new vscode.CancellationError();
        throw new Error(redact(err instanceof Error ? err.message : String(err)), { cause: err });
      } finally {
        cancel.dispose();
      }
    },
  };
}

/** Each tool's implementation, by its name; `asked` hears each confirmation a tool asks for. */
export function lmTools(fleet: FleetView, asked: (c: AskedConfirmation) => void): Map<string, vscode.LanguageModelTool<unknown>> {
  return new Map(TOOLS.map((spec) => [spec.name, adapt(fleet, spec, asked)]));
}
