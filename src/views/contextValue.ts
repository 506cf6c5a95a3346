/**
 * The `contextValue` of an instance's tree node, which the menus in package.json
 * (`contributes.menus`, `viewItem =~ /…/`) read to decide which commands a node offers. No VS Code
 * here, so the unit tests can check every value against the manifest's regexes.
 */
import type { InstanceSnapshot } from '../instances/model';

/** `isaacSimInstance.<state>` (`absent`: stopped with no container) plus `.exists` / `.busy` flags. */
export function contextValueFor(s: Pick<InstanceSnapshot, 'state' | 'exists' | 'busy'>): string {
  const parts = ['isaacSimInstance', s.state.kind === 'stopped' && !s.exists ? 'absent' : s.state.kind];
  if (s.exists) parts.push('exists');
  if (s.busy) parts.push('busy');
  return parts.join('.');
}

/** `isaacSimHost.<connected|unreachable|connecting|idle|invalid>`: a host node, with more than one endpoint. */
export function hostContextValue(engine: 'connected' | 'unreachable' | 'connecting' | 'idle' | 'invalid'): string {
  return `isaacSimHost.${engine}`;
}
