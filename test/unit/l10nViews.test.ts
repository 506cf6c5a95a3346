/**
 * Every text a person reads in src/commands, src/views, src/webview and src/extension.ts goes through
 * l10n.t (vscode.l10n.t, or @vscode/l10n's in the modules without `vscode`): read with the TypeScript
 * compiler, no text that looks like words ("a word, a space, a letter") may reach a place where it is
 * shown without being the first argument of an l10n.t call. Places where it is shown: the arguments of
 * the notifications, quick picks, input boxes, progress and status bar messages; `text`, `tooltip`,
 * `label`, `description`, … of an object literal or an assignment; a tree item's label; Markdown
 * appended to a tooltip; a const holding such a text that one of those places uses; the text and
 * the visible attributes of the sim view's HTML; and any literal of the page's own script. Log lines,
 * command ids, output channel names and thrown errors of the page script are not places where it is
 * shown. A template with substitutions as l10n.t's message is refused too: l10n-dev cannot extract it.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const SRC = path.resolve(__dirname, '../../../src');

/** Looks like words: a word, a space, a letter. */
const WORDS = /[A-Za-z]+ [A-Za-z]/;
/** Calls whose arguments are shown. */
const SHOWN_CALLS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'showQuickPick', 'showInputBox', 'createQuickPick', 'createInputBox', 'withProgress', 'setStatusBarMessage', 'appendMarkdown']);
/** Properties (of an object literal, or assigned) whose value is shown. */
const SHOWN_PROPS = new Set(['title', 'placeHolder', 'placeholder', 'prompt', 'label', 'description', 'detail', 'tooltip', 'message', 'invocationMessage', 'text', 'stateText', 'name', 'textContent', 'innerText']);
/** HTML text between tags, and the attributes a person reads or hears. */
const HTML_TEXT = />([^<>]*)</g;
const HTML_ATTRS = /\b(?:title|label|aria-label|placeholder|alt)="([^"]*)"/g;

export interface Finding {
  line: number;
  text: string;
}

type Literal = ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression;

function isLiteral(node: ts.Node): node is Literal {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node);
}

/** A literal's own text; a template's substitutions become {}. */
function textOf(node: Literal): string {
  if (!ts.isTemplateExpression(node)) return node.text;
  return node.head.text + node.templateSpans.map((s) => `{}${s.literal.text}`).join('');
}

/** `vscode.l10n.t` or `l10n.t`. */
function isL10nCall(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || node.expression.name.text !== 't') return false;
  const target = node.expression.expression.getText();
  return target === 'l10n' || target === 'vscode.l10n';
}

/** The first argument of an l10n.t call, and not a template with substitutions. */
function isWrapped(node: Literal): boolean {
  return isL10nCall(node.parent) && node.parent.arguments[0] === node && !ts.isTemplateExpression(node);
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const e = call.expression;
  return ts.isPropertyAccessExpression(e) ? e.name.text : ts.isIdentifier(e) ? e.text : '';
}

function propName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** The file's `const NAME = 'literal'` declarations. */
function literalConsts(file: ts.SourceFile): Map<string, Literal> {
  const found = new Map<string, Literal>();
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isLiteral(node.initializer)) found.set(node.name.text, node.initializer);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Hard-coded texts of `source` (a file's text) that reach a place where they are shown. `pageScript`: the webview's own program. */
export function findHardCoded(fileName: string, source: string, pageScript = false): Finding[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const consts = literalConsts(file);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const flag = (node: ts.Node, text: string) => {
    const key = `${node.pos}\u0000${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
  };
  /** Checks an expression that is shown: its literals (not inside functions, which are checked on their own) and the consts it names. */
  const checkShown = (expr: ts.Node) => {
    const visit = (node: ts.Node): void => {
      if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return;
      if (isLiteral(node)) {
        if (!isWrapped(node) && WORDS.test(textOf(node))) flag(node, textOf(node));
      } else if (ts.isIdentifier(node) && consts.has(node.text) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
        const lit = consts.get(node.text)!;
        if (!isWrapped(lit) && WORDS.test(textOf(lit))) flag(lit, textOf(lit));
      }
      ts.forEachChild(node, visit);
    };
    visit(expr);
  };
  const html = fileName.endsWith('Html.ts');
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && SHOWN_CALLS.has(calleeName(node))) node.arguments.forEach(checkShown);
    // progress.report({ message }) of a withProgress task.
    if (ts.isCallExpression(node) && calleeName(node) === 'report' && ts.isPropertyAccessExpression(node.expression) && node.expression.expression.getText() === 'progress') node.arguments.forEach(checkShown);
    // A tree item's label: new vscode.TreeItem(label, …), or super(label, …) in a TreeItem subclass.
    if (ts.isNewExpression(node) && calleeName(node) === 'TreeItem' && node.arguments?.[0]) checkShown(node.arguments[0]);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword && node.arguments[0]) {
      const cls = node.parent && ts.findAncestor(node, ts.isClassDeclaration);
      if (cls?.heritageClauses?.some((h) => h.getText().includes('TreeItem'))) checkShown(node.arguments[0]);
    }
    if (ts.isPropertyAssignment(node) && SHOWN_PROPS.has(propName(node.name) ?? '')) checkShown(node.initializer);
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && SHOWN_PROPS.has(node.left.name.text)) checkShown(node.right);
    // l10n.t(`… ${x} …`): l10n-dev cannot extract it, and the translation would be looked up by what x was.
    if (ts.isTemplateExpression(node) && isL10nCall(node.parent) && node.parent.arguments[0] === node) flag(node, textOf(node));
    if (isLiteral(node) && !isWrapped(node)) {
      const text = textOf(node);
      if (html) {
        for (const m of text.matchAll(HTML_TEXT)) if (WORDS.test(m[1].replace(/\{\}/g, ''))) flag(node, m[1]);
        for (const m of text.matchAll(HTML_ATTRS)) if (WORDS.test(m[1].replace(/\{\}/g, ''))) flag(node, m[1]);
      }
      // The page's script: every text, but for the errors it throws (the console's, not the user's).
      const inError = ts.findAncestor(node, (a) => ts.isNewExpression(a) && calleeName(a) === 'Error');
      if (pageScript && !inError && WORDS.test(text) && !ts.isImportDeclaration(node.parent)) flag(node, text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return findings;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const FILES = [...sources(path.join(SRC, 'commands')), ...sources(path.join(SRC, 'views')), ...sources(path.join(SRC, 'webview')), path.join(SRC, 'extension.ts')];

describe('localisable UI texts (src/commands, src/views, src/webview, src/extension.ts)', () => {
  test('no hard-coded text reaches the UI', () => {
    assert.ok(FILES.length > 40, `found ${FILES.length} files`);
    const all = FILES.flatMap((f) => {
      const rel = path.relative(SRC, f).split(path.sep).join('/');
      return findHardCoded(rel, readFileSync(f, 'utf8'), rel === 'webview/main.ts').map((x) => `${rel}:${x.line}: ${JSON.stringify(x.text)}`);
    });
    assert.deepEqual(all, []);
  });

  test('it flags hard-coded texts in each kind of place', () => {
    const planted = [
      `vscode.window.showInformationMessage('No instance to start.');`,
      `vscode.window.showErrorMessage(message, 'Show Log');`,
      'vscode.window.showWarningMessage(`${label} is open in its sim view`);',
      `void vscode.window.showQuickPick(items, { title: vscode.l10n.t('Start'), placeHolder: 'Choose an instance' });`,
      `vscode.window.showInputBox({ prompt: 'Name the host' });`,
      `vscode.window.withProgress({ location: 15, title: 'Pulling the image' }, async () => undefined);`,
      `vscode.window.withProgress({ location: 15 }, (progress) => { progress.report({ message: 'the build log is there' }); });`,
      `item.tooltip = 'Click to show the view.';`,
      'this.item.text = `$(vm) Isaac Sim: ${ready} ready`;',
      `const close = 'Close Sim View'; void vscode.window.showWarningMessage(vscode.l10n.t('Open?'), close);`,
      `const node = new vscode.TreeItem('web viewer');`,
      `class Row extends vscode.TreeItem { constructor() { super('a host', 0); } }`,
      `md.appendMarkdown('Beyond the instance count');`,
      `vscode.window.showInformationMessage(vscode.l10n.t('Start') + ' all instances');`,
      'vscode.window.showInformationMessage(vscode.l10n.t(`Copied ${url} now`));',
      `const items = [{ label: 'All hosts', host: '' }];`,
    ];
    for (const snippet of planted) assert.equal(findHardCoded('planted.ts', snippet).length, 1, snippet);
    assert.equal(findHardCoded('planted.ts', `vscode.window.showErrorMessage(message, 'Show Log', 'Open Settings');`).length, 2);
    assert.deepEqual(findHardCoded('pageHtml.ts', 'const html = `<p id="x">Waiting for the simulator…</p><b title="Reload the view"></b>`;').map((f) => f.text), ['Waiting for the simulator…', 'Reload the view']);
    assert.equal(findHardCoded('main.ts', `const TITLES = { stopped: 'The simulator is not running' };`, true).length, 1);
  });

  test('it accepts texts through l10n.t, and what is not shown', () => {
    const accepted = [
      `vscode.window.showInformationMessage(vscode.l10n.t('No instance to start.'));`,
      `vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', url), 3000);`,
      `const showLog = vscode.l10n.t('Show Log'); void vscode.window.showErrorMessage(message, showLog);`,
      `item.tooltip = l10n.t('Click to show the view.');`,
      `const node = new vscode.TreeItem(vscode.l10n.t('web viewer'));`,
      `log.info('Pull of the image: cancelled by the user.');`,
      `const channel = vscode.window.createOutputChannel('Isaac Sim Orchestrator', { log: true });`,
      `void vscode.commands.executeCommand('workbench.action.openSettings', 'isaacSim host');`,
      `vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Choose an instance') }).then((c) => log.debug('picked a row'));`,
    ];
    for (const snippet of accepted) assert.deepEqual(findHardCoded('accepted.ts', snippet), [], snippet);
    assert.deepEqual(findHardCoded('pageHtml.ts', 'const html = `<p id="x">${e(l10n.t(\'Waiting\'))}</p><b title="${e(t)}" class="a b"></b>`;'), []);
    assert.deepEqual(findHardCoded('main.ts', "if (!ok) throw new Error('Sim view: the texts are missing');", true), []);
  });
});
