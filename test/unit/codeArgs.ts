/**
 * The Kit arguments that enable an instance's Python code server ("Run in Sim"), written out here
 * rather than built by the code under test: 4.2's omni.isaac.vscode, 4.5-5.x's
 * isaacsim.code_editor.vscode, 6.x's isaacsim.code_editor.python_server with a token required
 * (sources in src/instances/simPythonProtocol.ts). A custom image gets none.
 */
import type { VersionId } from '../../src/instances/versions';

export function codeServerArgs(version: VersionId, port: number): string[] {
  const ext = version === '4.2' ? 'omni.isaac.vscode' : version === '4.5-5.x' ? 'isaacsim.code_editor.vscode' : version === '6.x' ? 'isaacsim.code_editor.python_server' : '';
  if (!ext) return [];
  return ['--enable', ext, `--/exts/${ext}/host=127.0.0.1`, `--/exts/${ext}/port=${port}`, ...(version === '6.x' ? [`--/exts/${ext}/require_auth=true`] : [])];
}
