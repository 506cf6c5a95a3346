/**
 * The preflight doctor: can this machine run the configured instances? No `vscode` here.
 *
 * Design note
 * - Every input is injected (settings, an engine facade, a port checker, a disk-space reader, the
 *   host's memory, the instances already running), so the verdicts are unit-tested with fakes and the
 *   same code runs against a real engine. `hostDoctorDeps` (doctorHost.ts) wires the real ones.
 * - A check never throws: it ends ✔, ✘ with a fix, or skipped with the reason (usually an earlier ✘
 *   it depends on, or a setting that makes it moot). `guarded` holds runDoctor to that: a step that
 *   throws anyway (a bug, or a dependency failing in a way its check did not foresee) becomes a ✘ of
 *   its own check naming the error, in the shape the later checks already read for an earlier ✘, so
 *   the other checks still run and the report still renders.
 * - `detail` and `fix` are Markdown. Text from outside (engine messages, image names, paths) goes
 *   into code spans, so nothing it contains is read as Markdown.
 * - This module only runs the checks in order and builds the report. The contract is in doctorTypes.ts,
 *   the checks in doctorChecks.ts and doctorVersion.ts, the Markdown in doctorReport.ts, and the real
 *   dependencies in doctorHost.ts.
 */
import * as l10n from '@vscode/l10n';
import type { SettingsProblem } from './settings';
import { toolkitFix, checkDisk, checkEngine, checkGpu, checkImage, checkMemory, checkPorts, checkRuntime } from './doctorChecks';
import { code, renderDoctorMarkdown } from './doctorReport';
import { check, errorText, type DoctorCheck, type DoctorCheckId, type DoctorDeps, type DoctorReport, type DoctorResult } from './doctorTypes';
import { checkVersionAndVolumes } from './doctorVersion';
import { checkWebViewer } from './doctorViewer';

/** Runs every check (engine queries one after another, host probes alongside) and renders the report. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const s = deps.settings;
  const address = deps.engine?.address ?? deps.engineAddress ?? (s.dockerHost || l10n.t('the default Docker socket'));
  const timeoutMs = deps.engineTimeoutMs ?? 15_000;
  const disk = guarded('disk', () => checkDisk(deps));
  const facts = await guarded('engine', () => checkEngine(deps, address, timeoutMs), (c) => ({ reachable: false, check: c }));
  const image = await guarded('image', () => checkImage(deps, facts, timeoutMs, address), (c) => ({ check: c }));
  const gpu = await guarded('gpu', () => checkGpu(deps, facts, image, timeoutMs, address));
  const version = await guarded('version', () => checkVersionAndVolumes(deps, image, timeoutMs, address), (c) => ({
    facts: {},
    version: c,
    volumes: check('volumes', 'skipped', l10n.t('Skipped: the version is not known.')),
  }));
  const ports = await guarded('ports', () => checkPorts(deps, version.facts));
  const viewer = await guarded('webViewer', () => checkWebViewer(deps, version.facts, timeoutMs, address));
  const runtime = await guarded('runtime', () => {
    const c = checkRuntime(s, facts);
    if (c.ok !== false || gpu.ok !== true || !s.runtime) return c;
    // No such runtime, yet the default one hands out GPUs (CDI, or the toolkit's --gpus hook): say so.
    return {
      ...c,
      fix: l10n.t('This engine hands out GPUs without a {0} runtime (the GPU request below worked with the default runtime, through CDI or the toolkit\'s hook): set {1} to {2}. Or register the runtime: {3}.', code(s.runtime), code('isaacSim.runtime'), code('""'), toolkitFix()),
    };
  });
  const memory = await guarded('memory', () => checkMemory(deps, facts));
  const checks = [facts.check, runtime, gpu, image.check, version.version, version.volumes, ports, viewer, await disk, memory];
  const result: DoctorResult = {
    startedAt,
    durationMs: Math.max(0, now() - startedAt),
    engineAddress: address,
    subject: { image: s.image, instanceCount: s.instanceCount, runtime: s.runtime, gpus: s.gpus },
    checks,
  };
  return { ...result, markdown: renderDoctorMarkdown(result) };
}

/**
 * Runs one check step (sync or async). One that throws or rejects becomes a ✘ for `id` naming the
 * error; `failed` wraps that ✘ in the step's result, in the shape its later checks read for an earlier
 * ✘ (a step whose result is the check itself needs none).
 */
function guarded(id: DoctorCheckId, step: () => DoctorCheck | Promise<DoctorCheck>): Promise<DoctorCheck>;
function guarded<T>(id: DoctorCheckId, step: () => T | Promise<T>, failed: (c: DoctorCheck) => NoInfer<T>): Promise<T>;
async function guarded<T>(id: DoctorCheckId, step: () => T | Promise<T>, failed: (c: DoctorCheck) => T = (c) => c as T): Promise<T> {
  try {
    return await step();
  } catch (err) {
    return failed(
      check(
        id,
        false,
        l10n.t('The check stopped on an unexpected error: {0}', code(errorText(err))),
        l10n.t('Run the doctor again (**Isaac Sim: Run Preflight Doctor**). If the same error comes back, it is a bug in the extension: report it with this message and the doctor\'s lines in the **Isaac Sim Orchestrator** output channel, which logs every run.'),
      ),
    );
  }
}

/** The report when the settings themselves are invalid: nothing else can be checked against them. */
export function invalidSettingsReport(problems: readonly SettingsProblem[], engineAddress: string, now: () => number = Date.now): DoctorReport {
  const result: DoctorResult = {
    startedAt: now(),
    durationMs: 0,
    engineAddress,
    checks: [
      check(
        'settings',
        false,
        problems.map((p) => p.message).join('\n'),
        l10n.t('Correct {0} (**Isaac Sim: Open Settings**); the other checks run once the settings are valid.', problems.length === 1 ? code(problems[0].setting) : l10n.t('these settings')),
      ),
    ],
  };
  return { ...result, markdown: renderDoctorMarkdown(result) };
}
