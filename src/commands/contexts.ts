/**
 * Isaac Sim: Add Endpoint from Docker Context. Lists the contexts of this machine (`docker context ls`,
 * else ~/.docker/contexts/meta/*\/meta.json), and appends the one picked to isaacSim.endpoints in the
 * user settings (a restricted setting: a workspace may not name engines).
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../instances/settings';
import { parseContextList, parseContextMeta, withContext, type DockerContext } from './contextList';

function dockerContextLs(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['context', 'ls', '--format', 'json'], { timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

async function contextsFromMeta(): Promise<DockerContext[]> {
  const dir = path.join(process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'contexts', 'meta');
  const ids = await readdir(dir).catch(() => [] as string[]);
  const found = await Promise.all(ids.map((id) => readFile(path.join(dir, id, 'meta.json'), 'utf8').then(parseContextMeta, () => undefined)));
  return found.filter((c): c is DockerContext => !!c);
}

/** The contexts found, by the CLI or from its files. */
export async function listContexts(log: vscode.LogOutputChannel): Promise<DockerContext[]> {
  try {
    const list = parseContextList(await dockerContextLs());
    if (list.length > 0) return list;
  } catch (err) {
    log.debug(`docker context ls: ${err instanceof Error ? err.message : String(err)}; reading the context files instead.`);
  }
  return contextsFromMeta();
}

export async function addEndpointFromContext(log: vscode.LogOutputChannel): Promise<void> {
  const contexts = await listContexts(log);
  if (contexts.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No Docker context found on this machine (docker context ls lists none): add an endpoint to isaacSim.endpoints in your settings by hand.'));
    return;
  }
  const picked = await vscode.window.showQuickPick(
    contexts.map((c) => ({ label: c.name, description: c.host, detail: c.description || undefined, picked: c.current, context: c })),
    { title: vscode.l10n.t('Add Endpoint from Docker Context'), placeHolder: vscode.l10n.t('The Docker context whose engine Isaac Sim instances should also run on'), ignoreFocusOut: true },
  );
  if (!picked) return;
  const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const current = cfg.inspect<unknown[]>('endpoints')?.globalValue;
  const top = { dockerHost: cfg.get<string>('dockerHost') ?? '', dockerContext: cfg.get<string>('dockerContext') ?? '' };
  const { endpoints, added } = withContext(Array.isArray(current) ? current : [], picked.context, top, process.env.DOCKER_HOST);
  if (!added) {
    void vscode.window.showInformationMessage(vscode.l10n.t('The engine of context "{0}" ({1}) is already used.', picked.context.name, picked.context.host));
    return;
  }
  await cfg.update('endpoints', endpoints, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(vscode.l10n.t('Added endpoint "{0}" ({1}) to isaacSim.endpoints.', added, picked.context.host));
}
