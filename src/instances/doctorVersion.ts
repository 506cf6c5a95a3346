/**
 * The doctor's version checks: which Isaac Sim version the image is (and so which launcher, user, ports
 * and mounts a start will use), and whether uid 1234 can write the volumes a 5.x/6.x instance mounts.
 * Inputs are injected as in doctor.ts; these never throw. `checkVersionAndVolumes` is the doctor's check.
 */
import * as l10n from '@vscode/l10n';
import type { ImageConfig } from '../docker/engine';
import { code } from './doctorReport';
import { check, errorText, within, type DoctorCheck, type DoctorDeps } from './doctorTypes';
import type { Settings } from './settings';
import { ISAAC_SIM_UID, buildContainerSpec, layoutOf, type VolumeMount } from './spec';
import { VERSIONS, detectVersion, type DetectedVersion, type VersionId } from './versions';

export interface VersionFacts {
  version?: DetectedVersion;
  image?: ImageConfig;
  /** Why the version could not be told. */
  problem?: string;
}

/** The version a start would use: isaacSim.version, else what the image says; the image may be missing. */
export function versionFacts(settings: Settings, image: ImageConfig | undefined): VersionFacts {
  if (settings.version !== 'auto') return { version: { id: settings.version, source: l10n.t('isaacSim.version is "{0}"', settings.version) }, image };
  const version = detectVersion(settings.image, image);
  if (version) return { version, image };
  return {
    image,
    problem: image
      ? l10n.t('Image `{0}` names no Isaac Sim version in its tag and its config matches none of NVIDIA\'s images.', settings.image)
      : l10n.t('Image `{0}` is not on this machine and its tag names no Isaac Sim version.', settings.image),
  };
}

/** The version to use for ports and mounts when the image could not tell (the doctor still checks something). */
export function versionOrDefault(facts: VersionFacts): VersionId {
  return facts.version?.id ?? '4.2';
}

export function describeVersion(settings: Settings, facts: VersionFacts): { ok: boolean; detail: string; fix?: string } {
  if (!facts.version) {
    return {
      ok: false,
      detail: facts.problem ?? l10n.t('The version could not be told.'),
      fix: l10n.t('Set `isaacSim.version` to `4.2`, `4.5-5.x` or `6.x` for one of NVIDIA\'s images, or to `custom` for your own launcher.'),
    };
  }
  const profile = VERSIONS[facts.version.id];
  const spec = buildContainerSpec(settings, 0, { version: facts.version.id, image: facts.image, home: '~' });
  const user = facts.image?.user ? l10n.t('user `{0}`', facts.image.user) : l10n.t('user root');
  const launcher = spec.Entrypoint ? `\`${spec.Entrypoint.join(' ')}\`` : facts.image?.entrypoint.length ? l10n.t('the image\'s `{0}`', facts.image.entrypoint.join(' ')) : l10n.t('the image\'s entrypoint');
  const mounts = layoutOf({ version: facts.version.id, image: facts.image }) === 'isaac-sim' ? l10n.t('named volumes under `/isaac-sim`') : l10n.t('host folders under `isaacSim.hostDataRoot`, into `/root`');
  const args = [profile.title, facts.version.source, launcher, user, mounts];
  return { ok: true, detail: facts.image?.healthcheck ? l10n.t('{0}, from {1}: {2}, {3}, {4}; the image has a HEALTHCHECK.', ...args) : l10n.t('{0}, from {1}: {2}, {3}, {4}.', ...args) };
}

/** The volumes of instance 0 that exist already (new ones are made for uid 1234 at the first start). */
export function volumesToCheck(settings: Settings, facts: VersionFacts): VolumeMount[] {
  if (!facts.version) return [];
  if (layoutOf({ version: facts.version.id, image: facts.image }) !== 'isaac-sim') return [];
  return buildContainerSpec(settings, 0, { version: facts.version.id, image: facts.image, home: '~' }).HostConfig.Mounts ?? [];
}

/** The one-shot check container: as uid 1234, print every mount target it cannot write. */
export function writableProbeCommand(targets: readonly string[]): string[] {
  return ['/bin/sh', '-c', 'for d in "$@"; do [ -w "$d" ] || echo "not writable: $d"; done', 'probe', ...targets]; // l10n-ignore: a shell command and the output it prints, parsed
}

export const PROBE_USER = `${ISAAC_SIM_UID}:${ISAAC_SIM_UID}`;

export async function checkVersionAndVolumes(deps: DoctorDeps, image: { present?: boolean }, timeoutMs: number, address: string): Promise<{ facts: VersionFacts; version: DoctorCheck; volumes: DoctorCheck }> {
  const s = deps.settings;
  let config: ImageConfig | undefined;
  if (image.present && deps.engine?.imageConfig) {
    config = await within(deps.engine.imageConfig(s.image), timeoutMs, address, l10n.t('read the config of {0}', s.image)).catch(() => undefined);
  }
  const facts = versionFacts(s, config);
  const v = describeVersion(s, facts);
  const version = check('version', v.ok, v.detail, v.fix);
  const mounts = volumesToCheck(s, facts);
  if (mounts.length === 0) return { facts, version, volumes: check('volumes', 'skipped', facts.version ? l10n.t('Skipped: {0} with this image mounts host folders, not volumes for uid 1234.', VERSIONS[facts.version.id].title) : l10n.t('Skipped: the version is not known.')) };
  const engine = deps.engine;
  if (!engine?.volumeExists || !engine.runProbe || !image.present) return { facts, version, volumes: check('volumes', 'skipped', l10n.t('Skipped: needs the engine and the image.')) };
  try {
    const existing: VolumeMount[] = [];
    for (const m of mounts) if (await within(engine.volumeExists(m.Source), timeoutMs, address, l10n.t('inspect volume {0}', m.Source))) existing.push(m);
    const names = mounts.map((m) => code(m.Source)).join(', ');
    if (existing.length === 0) return { facts, version, volumes: check('volumes', true, l10n.t('None exists yet: {0} are made for uid 1234 at the first start (no {1} needed).', names, code('sudo chown'))) };
    const { exitCode, output } = await within(engine.runProbe(s.image, PROBE_USER, existing, writableProbeCommand(existing.map((m) => m.Target))), timeoutMs * 4, address, l10n.t('run the volume probe container'));
    const bad = output.split('\n').filter((l) => l.startsWith('not writable: ')).map((l) => l.slice('not writable: '.length).trim()); // l10n-ignore: the probe's output (writableProbeCommand), parsed
    if (exitCode === 0 && bad.length === 0) return { facts, version, volumes: check('volumes', true, l10n.t('uid 1234 can write {0} ({1} of instance-0).', existing.map((m) => code(m.Target)).join(', '), existing.length === 1 ? l10n.t('1 volume') : l10n.t('{0} volumes', existing.length))) };
    const which = bad.length > 0 ? bad.map(code).join(', ') : l10n.t('the probe exited with {0}: {1}', exitCode, code(output.trim().slice(0, 200)));
    const volumes = existing.filter((m) => bad.includes(m.Target)).map((m) => m.Source);
    return {
      facts,
      version,
      volumes: check(
        'volumes',
        false,
        l10n.t('uid 1234 cannot write {0}.', which),
        volumes.length > 0 ? volumes.length > 1
          ? l10n.t('Remove the volumes ({0}) with the instance stopped; the next start makes them again for uid 1234.', code(`docker volume rm ${volumes.join(' ')}`))
          : l10n.t('Remove the volume ({0}) with the instance stopped; the next start makes it again for uid 1234.', code(`docker volume rm ${volumes.join(' ')}`)) : l10n.t('Run the doctor again; if it persists, remove the instance\'s volumes.'),
      ),
    };
  } catch (err) {
    return { facts, version, volumes: check('volumes', false, l10n.t('Could not check the volumes: {0}', errorText(err)), l10n.t('See the Docker engine check.')) };
  }
}
