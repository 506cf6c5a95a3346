/**
 * Which host (isaacSim.endpoints entry) a view's notifications are about: its name, to pass on to a
 * command (`{ index, host }`), and how an instance is named in messages ("gpu-a/instance-0" once
 * there is more than one host, "instance-0" with one).
 */
export interface HostOf {
  readonly name: string;
  label(instanceLabel: string): string;
}

/** The one implicit host of the top-level settings. */
export const NO_HOST: HostOf = { name: '', label: (l) => l };

/** Host `name`, named in labels while `several()` says there is more than one. */
export function hostOf(name: string, several: () => boolean): HostOf {
  return { name, label: (l) => (several() ? `${name}/${l}` : l) };
}
