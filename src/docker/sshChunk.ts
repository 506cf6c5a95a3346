/**
 * Entry of the ssh part of dist/parts.js (scripts/parts.mjs): the transport of an ssh:// engine, which no other
 * engine needs. Import it only through sshModule.ts.
 */
export { SshAgent } from './sshAgent';
