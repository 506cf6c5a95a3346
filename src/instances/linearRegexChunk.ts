/**
 * Entry of the linearRegex part of dist/parts.js (scripts/parts.mjs): the linear-time matcher, which only a readiness
 * pattern that is not plain text needs (every built-in default is plain text). Import it only
 * through linearRegexModule.ts.
 */
export { LinearRegex } from './linearRegex';
export { PatternRefusal } from './linearRegexSyntax';
