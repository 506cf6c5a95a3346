/**
 * The steps a start takes before the simulator runs, one function each, so the manager only sequences them:
 * - which Isaac Sim version the image is (isaacSim.version, or read from the image);
 * - named volumes that uid 1234 can write (5.x/6.x), made once;
 * (4.2's player script and its signalling port: player.ts.)
 * Each step either succeeds or throws an error that names the problem and the fix; none leaves anything
 * half-made that is not ours.
 */
import * as l10n from '@vscode/l10n';
import { randomUUID } from 'node:crypto';
import type { ImageConfig, InstanceEngine } from './engineApi';
import { EngineError } from '../docker/errors';
import { SettingsError, portRangeProblems, type SettingIdOf, type Settings } from './settings';
import { SpecError, volumeOwnerFix, type ContainerCreateBody } from './spec';
import { detectVersion, type DetectedVersion } from './versions';

/** The version the start runs with and the image's config (for the mount layout). */
export interface ResolvedVersion extends DetectedVersion {
  image?: ImageConfig;
}

/**
 * isaacSim.version when it names one, else the version read from the image (tag, then config).
 * The image must be on the engine already (the caller pulls it first). `known` is the image's config
 * when the caller has just read it (undefined: not on the engine). A port range that does not fit is
 * refused naming its setting as `settingId` gives it (an endpoint's own port bases, in a fleet).
 */
export async function resolveVersion(engine: InstanceEngine, settings: Settings, known?: { image: ImageConfig | undefined }, settingId?: SettingIdOf): Promise<ResolvedVersion> {
  const image = known ? known.image : await engine.imageConfig(settings.image);
  let resolved: ResolvedVersion;
  if (settings.version !== 'auto') {
    resolved = { id: settings.version, source: 'isaacSim.version', image };
  } else {
    const detected = detectVersion(settings.image, image);
    if (!detected) {
      throw new SpecError(
        l10n.t('Could not tell which Isaac Sim version image "{0}" is: its tag names none of 4.2, 4.5, 5.x or 6.x and its config matches none of NVIDIA\'s images. Set isaacSim.version to "4.2", "4.5-5.x", "6.x", or "custom" for your own launcher. Nothing was created.', settings.image),
        'isaacSim.version',
      );
    }
    resolved = { ...detected, image };
  }
  const problems = portRangeProblems(settings, resolved.id, settingId);
  if (problems.length > 0) throw new SettingsError(problems);
  return resolved;
}

/**
 * Makes the spec's named volumes that do not exist yet, owned by uid 1234, with a one-shot root container
 * of the same image. Returns the names it made (a new shader cache volume means a first start).
 */
export async function prepareVolumes(engine: InstanceEngine, spec: ContainerCreateBody, index: number): Promise<{ created: string[] }> {
  const mounts = spec.HostConfig.Mounts ?? [];
  // Asked all at once: seven round trips one after another were most of a 5.x/6.x start's own time.
  const exists = await Promise.all(mounts.map((m) => engine.volumeExists(m.Source)));
  const missing = mounts.filter((_, k) => !exists[k]).map((m) => m.Source);
  if (missing.length === 0) return { created: [] };
  // One left by an interrupted start of ours is removed at a resync (sync.ts, sweepHelpers).
  const fix = volumeOwnerFix(spec, index, randomUUID().slice(0, 8));
  const { exitCode, output } = await engine.runToCompletion(fix, 60_000);
  if (exitCode !== 0) {
    throw new EngineError(
      l10n.t('Could not give the volumes of instance-{0} to uid 1234 (Isaac Sim\'s container user): "chown" in image {1} exited with {2}{3}. The image needs /bin/sh and chown; with another image set isaacSim.version to "custom". Nothing else was created.', index, spec.Image, exitCode, output.trim() ? `: ${output.trim().split('\n').slice(-2).join(' ')}` : ''),
      'other',
      undefined,
      { setting: 'isaacSim.version' },
    );
  }
  return { created: missing };
}
