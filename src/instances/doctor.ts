/**
 * The preflight doctor: can this machine run the configured instances? No `vscode` here.
 *
 * Design note
 * - Every input is injected (settings, an engine facade, a port checker, a disk-space reader, the
 *   host's memory, the instances already running), so the verdicts are unit-tested with fakes and the
 *   same code runs against a real engine. `hostDoctorDeps` (doctorHost.ts) wires the real ones.
 * - A check never throws: it ends ✔, ✘ with a fix, or skipped with the reason (usually an earlier ✘
 *   it depends on, or a setting that makes it moot).
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
import { check, type DoctorDeps, type DoctorReport, type DoctorResult } from './doctorTypes';
import { checkVersionAndVolumes } from './doctorVersion';
import { checkWebViewer } from './doctorViewer';

/** Runs every check (engine queries one after another, host probes alongside) and renders the report. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const s = deps.settings;
  const address = deps.engine?.address ?? deps.engineAddress ?? (s.dockerHost || l10n.t('the default Docker socket'));
  const timeoutMs = deps.engineTimeoutMs ?? 15_000;
  const disk = checkDisk(deps);
  const facts = await checkEngine(deps, address, timeoutMs);
  const image = await checkImage(deps, facts, timeoutMs, address);
  const gpu = await checkGpu(deps, facts, image, timeoutMs, address);
  const version = await checkVersionAndVolumes(deps, image, timeoutMs, address);
  const ports = await checkPorts(deps, version.facts);
  const viewer = await checkWebViewer(deps, version.facts, timeoutMs, address);
  let runtime = checkRuntime(s, facts);
  if (runtime.ok === false && gpu.ok === true && s.runtime) {
    // No such runtime, yet the default one hands out GPUs (CDI, or the toolkit's --gpus hook): say so.
    runtime = {
      ...runtime,
      fix: l10n.t('This engine hands out GPUs without a {0} runtime (the GPU request below worked with the default runtime, through CDI or the toolkit\'s hook): set {1} to {2}. Or register the runtime: {3}.', code(s.runtime), code('isaacSim.runtime'), code('""'), toolkitFix()),
    };
  }
  const checks = [facts.check, runtime, gpu, image.check, version.version, version.volumes, ports, viewer, await disk, checkMemory(deps, facts)];
  const result: DoctorResult = {
    startedAt,
    durationMs: Math.max(0, now() - startedAt),
    engineAddress: address,
    subject: { image: s.image, instanceCount: s.instanceCount, runtime: s.runtime, gpus: s.gpus },
    checks,
  };
  return { ...result, markdown: renderDoctorMarkdown(result) };
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
