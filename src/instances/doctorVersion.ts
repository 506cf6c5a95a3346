/**
 * The doctor's version checks: which Isaac Sim version the image is (and so which launcher, user, ports
 * and mounts a start will use), and whether uid 1234 can write the volumes a 5.x/6.x instance mounts.
 * Inputs are injected as in doctor.ts; these never throw. `checkVersionAndVolumes` is the doctor's check.
 */
import type { ImageConfig } from '../docker/engine';
import { code, plural } from './doctorReport';
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
  if (settings.version !== 'auto') return { version: { id: settings.version, source: `isaacSim.version is "${settings.version}"` }, image };
  const version = detectVersion(settings.image, image);
  if (version) return { version, image };
  return {
    image,
    problem: image
      ? `Image \`${settings.image}\` names no Isaac Sim version in its tag and its config matches none of NVIDIA's images.`
      : `Image \`${settings.image}\` is not on this machine and its tag names no Isaac Sim version.`,
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
      detail: facts.problem ?? 'The version could not be told.',
      fix: 'Set `isaacSim.version` to `4.2`, `4.5-5.x` or `6.x` for one of NVIDIA\'s images, or to `custom` for your own launcher.',
    };
  }
  const profile = VERSIONS[facts.version.id];
  const spec = buildContainerSpec(settings, 0, { version: facts.version.id, image: facts.image, home: '~' });
  const user = facts.image?.user ? `user \`${facts.image.user}\`` : 'user root';
  const launcher = spec.Entrypoint ? `\`${spec.Entrypoint.join(' ')}\`` : facts.image?.entrypoint.length ? `the image's \`${facts.image.entrypoint.join(' ')}\`` : "the image's entrypoint";
  const mounts = layoutOf({ version: facts.version.id, image: facts.image }) === 'isaac-sim' ? 'named volumes under `/isaac-sim`' : 'host folders under `isaacSim.hostDataRoot`, into `/root`';
  const health = facts.image?.healthcheck ? '; the image has a HEALTHCHECK' : '';
  return { ok: true, detail: `${profile.title}, from ${facts.version.source}: ${launcher}, ${user}, ${mounts}${health}.` };
}

/** The volumes of instance 0 that exist already (new ones are made for uid 1234 at the first start). */
export function volumesToCheck(settings: Settings, facts: VersionFacts): VolumeMount[] {
  if (!facts.version) return [];
  if (layoutOf({ version: facts.version.id, image: facts.image }) !== 'isaac-sim') return [];
  return buildContainerSpec(settings, 0, { version: facts.version.id, image: facts.image, home: '~' }).HostConfig.Mounts ?? [];
}

/** The one-shot check container: as uid 1234, print every mount target it cannot write. */
export function writableProbeCommand(targets: readonly string[]): string[] {
  return ['/bin/sh', '-c', 'for d in "$@"; do [ -w "$d" ] || echo "not writable: $d"; done', 'probe', ...targets];
}

export const PROBE_USER = `${ISAAC_SIM_UID}:${ISAAC_SIM_UID}`;

export async function checkVersionAndVolumes(deps: DoctorDeps, image: { present?: boolean }, timeoutMs: number, address: string): Promise<{ facts: VersionFacts; version: DoctorCheck; volumes: DoctorCheck }> {
  const s = deps.settings;
  let config: ImageConfig | undefined;
  if (image.present && deps.engine?.imageConfig) {
    config = await within(deps.engine.imageConfig(s.image), timeoutMs, address, `read the config of ${s.image}`).catch(() => undefined);
  }
  const facts = versionFacts(s, config);
  const v = describeVersion(s, facts);
  const version = check('version', v.ok, v.detail, v.fix);
  const mounts = volumesToCheck(s, facts);
  if (mounts.length === 0) return { facts, version, volumes: check('volumes', 'skipped', facts.version ? `Skipped: ${VERSIONS[facts.version.id].title} with this image mounts host folders, not volumes for uid 1234.` : 'Skipped: the version is not known.') };
  const engine = deps.engine;
  if (!engine?.volumeExists || !engine.runProbe || !image.present) return { facts, version, volumes: check('volumes', 'skipped', 'Skipped: needs the engine and the image.') };
  try {
    const existing: VolumeMount[] = [];
    for (const m of mounts) if (await within(engine.volumeExists(m.Source), timeoutMs, address, `inspect volume ${m.Source}`)) existing.push(m);
    const names = mounts.map((m) => code(m.Source)).join(', ');
    if (existing.length === 0) return { facts, version, volumes: check('volumes', true, `None exists yet: ${names} are made for uid 1234 at the first start (no ${code('sudo chown')} needed).`) };
    const { exitCode, output } = await within(engine.runProbe(s.image, PROBE_USER, existing, writableProbeCommand(existing.map((m) => m.Target))), timeoutMs * 4, address, 'run the volume probe container');
    const bad = output.split('\n').filter((l) => l.startsWith('not writable: ')).map((l) => l.slice('not writable: '.length).trim());
    if (exitCode === 0 && bad.length === 0) return { facts, version, volumes: check('volumes', true, `uid 1234 can write ${existing.map((m) => code(m.Target)).join(', ')} (${plural(existing.length, 'volume')} of instance-0).`) };
    const which = bad.length > 0 ? bad.map(code).join(', ') : `the probe exited with ${exitCode}: ${code(output.trim().slice(0, 200))}`;
    const volumes = existing.filter((m) => bad.includes(m.Target)).map((m) => m.Source);
    return {
      facts,
      version,
      volumes: check(
        'volumes',
        false,
        `uid 1234 cannot write ${which}.`,
        volumes.length > 0 ? `Remove the volume${volumes.length > 1 ? 's' : ''} (${code(`docker volume rm ${volumes.join(' ')}`)}) with the instance stopped; the next start makes ${volumes.length > 1 ? 'them' : 'it'} again for uid 1234.` : 'Run the doctor again; if it persists, remove the instance\'s volumes.',
      ),
    };
  } catch (err) {
    return { facts, version, volumes: check('volumes', false, `Could not check the volumes: ${errorText(err)}`, 'See the Docker engine check.') };
  }
}
