/**
 * The extension's own output channel, with every message masked by the manager's Redactor before
 * it is written: views and commands log errors that may quote engine messages, URLs or settings.
 */
import type * as vscode from 'vscode';
import type { Redactor } from '../instances/redact';

const WRITERS = new Set<PropertyKey>(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

export function redactingLog(channel: vscode.LogOutputChannel, redactor: Redactor): vscode.LogOutputChannel {
  const mask = (value: unknown): unknown => {
    if (typeof value === 'string') return redactor.redact(value);
    if (value instanceof Error) {
      const copy = new Error(redactor.redact(value.message));
      copy.name = value.name;
      copy.stack = value.stack === undefined ? undefined : redactor.redact(value.stack);
      return copy;
    }
    return value;
  };
  return new Proxy(channel, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!WRITERS.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args.map(mask));
    },
  });
}
