/** Calling the extension's Language Model tools from a suite, as any extension can (vscode.lm.invokeTool). */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AskedConfirmation } from '../../../src/commands/lmTools';
import type { IsaacSimApi } from '../../../src/extension';

/** The text a tool returned (its text parts, joined). */
export async function invokeTool(name: string, input: object, token?: vscode.CancellationToken): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined }, token);
  return result.content.map((part) => (typeof (part as { value?: unknown }).value === 'string' ? (part as { value: string }).value : JSON.stringify(part))).join('\n');
}

/** The error a tool call is refused with (fails the test if the call succeeds). */
export async function toolError(name: string, input: object): Promise<Error> {
  try {
    const text = await invokeTool(name, input);
    assert.fail(`${name} ${JSON.stringify(input)} succeeded: ${text}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof Error, `an Error, got ${String(err)}`);
    return err;
  }
}

/**
 * Runs `call` and returns it with the confirmations the tools asked for while it ran. Outside a chat
 * request VS Code shows them in a modal dialog, which it answers "yes" by itself while extension
 * tests run: the extension keeps what it asked (api.lmTools.asked).
 */
export async function withConfirmations<T>(api: IsaacSimApi, call: () => Promise<T>): Promise<{ value: T; asked: AskedConfirmation[] }> {
  const last = api.lmTools.asked.at(-1)?.seq ?? 0;
  const value = await call();
  return { value, asked: api.lmTools.asked.filter((c) => (c.seq ?? 0) > last) };
}
