/**
 * The workspace-trust suite's table: for every isaacSim.* setting, whether an untrusted workspace may
 * set it, why, a user value and a workspace value. The runner (test/e2e/exthost.test.ts) writes the
 * user values into the user settings and the workspace values into the workspace's
 * .vscode/settings.json, and hands the table to the suite (trust.test.ts) in TRUST_FILE. No vscode
 * import: the runner loads this file in plain Node.
 *
 * The restricted workspace values are hostile but valid (so that a trusted workspace really applies
 * them) and stay on this machine: 127.0.0.2 is loopback, port 1 and 9 answer nothing, and the data
 * folder is inside the run folder. The harmless ones are ordinary values a project may set.
 */
import path from 'node:path';

/** Written into the workspace folder by the runner, read by the suite. */
export const TRUST_FILE = 'isaac-sim-trust-test.json';

export interface SettingCase {
  /** Must be in capabilities.untrustedWorkspaces.restrictedConfigurations. */
  restricted: boolean;
  why: string;
  user: unknown;
  workspace: unknown;
}

export interface TrustExpectations {
  /** What vscode.workspace.isTrusted must be in this run. */
  trusted: boolean;
  /** Short key (without "isaacSim.") → case. */
  cases: Record<string, SettingCase>;
}

const DEFAULT_READINESS = [
  'Isaac Sim Full Streaming App is loaded\\.',
  'Isaac Sim Headless Native App is loaded\\.',
  'Isaac Sim Headless WebRTC App is loaded\\.',
  'Isaac Sim App is loaded\\.',
  'Simulation App Startup Complete',
];

/**
 * `standin` is the runner's usual user settings for the stand-in (image, env, data folder, proxy socket).
 * Ports stay in 37211–37299, away from the other suites.
 */
export function settingCases(runDir: string, standin: Record<string, unknown>): Record<string, SettingCase> {
  const R = (why: string, user: unknown, workspace: unknown): SettingCase => ({ restricted: true, why, user, workspace });
  const H = (why: string, user: unknown, workspace: unknown): SettingCase => ({ restricted: false, why, user, workspace });
  return {
    instanceCount: H('only how many nodes the view shows (0–16); nothing starts without a command, and what starts is user-configured', 1, 2),
    image: R('the image is the code that runs', standin['isaacSim.image'], '127.0.0.2:1/evil/image:latest'),
    version: R("picks the container's launcher command, its port arguments or env, its user and mounts, and which URL the sim view loads", '4.2', 'custom'),
    entrypoint: R('the command the container runs', [], ['/bin/sh', '-c', 'echo pwned']),
    portArgs: R("arguments on the simulator's command line", [], ['--evil-port={httpPort}']),
    extraArgs: R("arguments on the simulator's command line", [], ['--evil-extra-arg']),
    env: R("the container's environment (can change what the launcher does)", standin['isaacSim.env'], { X: '1' }),
    runtime: R('which OCI runtime executes the container', '', 'evil-runtime'),
    gpus: R('which host devices the container is given', 'none', 'all'),
    privacyConsent: R('whether the container sends NVIDIA usage data (PRIVACY_CONSENT=Y): only the user may consent', false, true),
    memoryLimitGiB: R("the guard that keeps a container from exhausting the host's memory (0 lifts it)", 2, 0),
    headroomGiB: H('only when a start warns that VRAM or memory looks short; the user still chooses to start', 12, 16),
    hostDataRoot: R('the host folder bind-mounted read-write into a root container (volumes)', standin['isaacSim.hostDataRoot'], path.join(runDir, 'evil-data-root')),
    // null (the version's own port) is valid too: the user value here.
    httpPortBase: H('only port numbers on the user-chosen host; a project may need to move them', null, 37221),
    signalPortBase: H('only port numbers on the user-chosen host', 37271, 37273),
    streamPortBase: H('only port numbers on the user-chosen host', 37281, 37283),
    webViewerPortBase: H('only port numbers on the user-chosen host', 37291, 37293),
    pythonServerPortBase: H('only port numbers on loopback (null: no code server); a project may need to move them', 37301, 37303),
    pythonServerToken: R('the token that guards the 6.x code server, which runs any code sent to it: a cloned repository must not choose it', '', 'token-chosen-by-the-repo-0123'),
    // Never both set in one run (that is a settings error): the user names an image, a trusted workspace a folder instead.
    webViewerBuildContext: R('a folder the extension builds into an image that runs on the host network', '', path.join(runDir, 'evil-web-viewer')),
    webViewerImage: R('an image the extension runs on the host network beside each 6.x instance', 'user-web-viewer:{signalPort}', ''),
    host: R('where the readiness probes connect, what the sim view frames, and the ISAACSIM_HOST of 6.x', '127.0.0.1', '127.0.0.2'),
    clientUrlTemplate: R('the page the sim view iframe loads', 'http://{host}:{httpPort}/streaming/webrtc-demo/?server={host}', 'http://127.0.0.2:9/evil/{label}'),
    webViewerUrlTemplate: R('the page the sim view iframe loads (6.x web viewer)', 'http://{host}:{webViewerPort}/', 'http://127.0.0.2:9/evil-viewer/'),
    // Valid (settings refuse patterns that nest repetitions), but never matching: a workspace that
    // could set it would keep every instance from ever being ready.
    readinessPatterns: R('regular expressions run on every log line in the extension host: a workspace could hide readiness or burn CPU on every line', DEFAULT_READINESS, ['^workspace-chosen readiness line that never appears$']),
    logTailLines: H('display only, bounded (0–100000)', 500, 123),
    stopTimeoutSeconds: H('only how long a stop waits before the engine kills, bounded (0–600)', 5, 2),
    endpoints: R('more engines that receive the commands, each with its own Docker host and stream address', [], [{ name: 'evil', dockerContext: 'evil-context' }]),
    // Never both set in one run (that is a settings error, as for the CLI's -H with --context): the
    // user names a host, a trusted workspace a context instead (one that does not exist: it reaches nothing).
    dockerHost: R('which engine receives the commands (and, for pulls, your registry credentials)', standin['isaacSim.dockerHost'], ''),
    dockerContext: R('which engine receives the commands, by docker context', '', 'evil-context'),
  };
}

/** The value the extension must use for a case: the user's for a restricted setting in an untrusted workspace, else the workspace's. */
export function effectiveValue(c: SettingCase, trusted: boolean): unknown {
  if (c.restricted && !trusted) return c.user;
  // VS Code merges object settings across scopes: workspace keys over user keys.
  if (isPlainObject(c.user) && isPlainObject(c.workspace)) return { ...c.user, ...c.workspace };
  return c.workspace;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
