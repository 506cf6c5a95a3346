/**
 * Finds the string literals of source files that read like text for a person and do not go through
 * l10n.t (`@vscode/l10n` in src/docker and src/instances, vscode.l10n.t above them), with the
 * TypeScript compiler's own parser.
 *
 * A literal "reads like text" when it has two words of letters with a space between them ("not
 * created", "Docker is not running: {0}"), or is one capitalised word ending a sentence ("Stopped.").
 * A template literal counts by its text parts, each `${…}` standing for a placeholder. One word
 * without a stop ("stopped") is not flagged: it is as likely an id or enum value, which must stay as it is.
 *
 * Not flagged, as not (or not yet) text for a person:
 * - the message of `l10n.t(…)` / `vscode.l10n.t(…)` (its first argument, or the `message` and `comment`
 *   of the object form): its other arguments are scanned like any expression;
 * - import, export and `declare module` specifiers, and every literal in a type (`type K = 'a b'`);
 * - the arguments of a log call (`log.info(…)`, `this.options.log?.warn(…)`, `console.error(…)`: the
 *   receiver's name ends in log or logger, or is console), which go to an output channel in English;
 * - the argument of `code(…)`, the doctor report's Markdown code span: a command or a setting id;
 * - patterns: `new RegExp(…)`, and the text searched for by `includes`, `startsWith`, `endsWith`,
 *   `indexOf`, `split`, `replace`, `replaceAll`, `match`, `test` (their first argument);
 * - property keys (`{ 'a b': 1 }`, `x['a b']`), and the operands of `===`, `!==`, `==`, `!=`, `in`
 *   and `case` labels: they are matched against, not shown;
 * - a line carrying a `// l10n-ignore` comment, or the line after a comment line holding only
 *   `// l10n-ignore…` (say why after it): argv, code sent to a container, texts a program parses.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface HardCodedString {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
}

const TWO_WORDS = /\p{L}{2,}[ ,;:·—–]+(?:[✔✘•] )?['"(“‘*_`]*(\p{L}|\{\d+\})|\{\d+\}[ ,;:·—–]+['"(“‘*_`]*\p{L}{2,}/u;
const SENTENCE = /^\p{Lu}\p{Ll}+[.!?]$/u;
const LOG_METHODS = new Set(['debug', 'info', 'warn', 'error', 'trace', 'log']);
const SEARCH_METHODS = new Set(['includes', 'startsWith', 'endsWith', 'indexOf', 'lastIndexOf', 'split', 'replace', 'replaceAll', 'match', 'matchAll', 'test', 'search']);
const COMPARISONS = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.InKeyword]);

/** Whether `text` (a literal's text, placeholders as `{0}`) reads like text for a person. */
export function readsLikeText(text: string): boolean {
  return TWO_WORDS.test(text) || SENTENCE.test(text.trim());
}

/** The last name of an expression: `this.options.log` → "log", `console` → "console". */
function lastName(e: ts.Expression): string | undefined {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isNonNullExpression(e) || ts.isParenthesizedExpression(e)) return lastName(e.expression);
  return undefined;
}

/** `l10n.t` or `vscode.l10n.t`. */
function isL10nT(callee: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 't' && lastName(callee.expression) === 'l10n';
}

function isLogCall(callee: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(callee) || !LOG_METHODS.has(callee.name.text)) return false;
  const receiver = lastName(callee.expression);
  return receiver !== undefined && (/log(ger)?$/i.test(receiver) || receiver === 'console');
}

/** Whether `node`, a literal or an expression holding it, is exempt because of where it stands. */
function exempt(node: ts.Node): boolean {
  for (let child: ts.Node = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (ts.isTypeNode(parent) && !ts.isExpressionWithTypeArguments(parent)) return true;
    if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isModuleDeclaration(parent) || ts.isExternalModuleReference(parent)) return true;
    if (ts.isCallExpression(parent) && parent.arguments.includes(child as ts.Expression)) {
      const callee = parent.expression;
      if (isL10nT(callee) && parent.arguments[0] === child) return true;
      if (isLogCall(callee)) return true;
      if (ts.isPropertyAccessExpression(callee) && SEARCH_METHODS.has(callee.name.text) && parent.arguments[0] === child) return true;
      if (ts.isIdentifier(callee) && callee.text === 'RegExp') return true;
      // doctorReport.ts's code(): a Markdown code span holds a command or a setting id, not prose.
      if (ts.isIdentifier(callee) && callee.text === 'code') return true;
    }
    if (ts.isNewExpression(parent) && ts.isIdentifier(parent.expression) && parent.expression.text === 'RegExp') return true;
    // The object form of l10n.t: its message and comment.
    if (ts.isPropertyAssignment(parent) && parent.initializer === child && ts.isIdentifier(parent.name) && (parent.name.text === 'message' || parent.name.text === 'comment')) {
      const object = parent.parent;
      const call = object.parent;
      if (ts.isObjectLiteralExpression(object) && ts.isCallExpression(call) && isL10nT(call.expression) && call.arguments[0] === object) return true;
    }
    if (ts.isBinaryExpression(parent) && COMPARISONS.has(parent.operatorToken.kind)) return true;
    if (ts.isCaseClause(parent) && parent.expression === child) return true;
    if (ts.isElementAccessExpression(parent) && parent.argumentExpression === child) return true;
    if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent)) && parent.name === child) return true;
    // Stop at the nearest statement: what encloses it does not change what a literal is.
    if (ts.isStatement(parent) || ts.isClassElement(parent)) return false;
  }
  return false;
}

/** The text of a literal, `${…}` as `{0}`, `{1}`…; undefined for nodes that are not literals. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s, i) => `{${i}}${s.literal.text}`).join('');
  return undefined;
}

/** The lines (0-based) a `// l10n-ignore` comment exempts. */
function ignoredLines(source: ts.SourceFile): Set<number> {
  const lines = new Set<number>();
  source.text.split('\n').forEach((line, i) => {
    const at = line.indexOf('// l10n-ignore');
    if (at < 0) return;
    lines.add(i);
    if (line.slice(0, at).trim() === '') lines.add(i + 1);
  });
  return lines;
}

/** Every literal of `files` that reads like text for a person and is neither translated nor exempt. */
export function hardCodedStrings(files: string[]): HardCodedString[] {
  const found: HardCodedString[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const ignored = ignoredLines(source);
    const visit = (node: ts.Node): void => {
      const text = literalText(node);
      if (text !== undefined) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        if (readsLikeText(text) && !ignored.has(line) && !exempt(node)) found.push({ file, line: line + 1, text });
      }
      // A template's `${…}` may hold literals of its own.
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/**
 * Every `l10n.t(…)` of `files` that runs when its module loads (outside any function, or in a static
 * class field): it would translate before activation configured the bundle, and stay English.
 * Module-level tables of messages take getters or functions instead.
 */
export function importTimeTranslations(files: string[]): HardCodedString[] {
  const found: HardCodedString[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node, deferred: boolean): void => {
      if (!deferred && ts.isCallExpression(node) && isL10nT(node.expression)) {
        found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: node.getText(source).slice(0, 120) });
      }
      const later = deferred || ts.isFunctionLike(node) || (ts.isPropertyDeclaration(node) && !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword));
      ts.forEachChild(node, (child) => visit(child, later));
    };
    visit(source, false);
  }
  return found;
}
