/**
 * The doctor's version checks: which Isaac Sim version the image is (and so which launcher, user, ports
 * and mounts a start will use), and whether uid 1234 can write the volumes a 5.x/6.x instance mounts.
 * Inputs are injected as in doctor.ts; these never throw.
 */
import type { ImageConfig } from '../docker/engine';
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
