/**
 * Entry of dist/portOwner.js (scripts/parts.mjs): who holds a port (a /proc walk), which only a
 * port found taken needs. Import it only through portOwnerModule.ts.
 */
export { describePortHolder } from './portOwner';
