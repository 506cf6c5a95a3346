/** Image pulls: the part that pullModule.ts loads on first use (dist/pull.js in the production build). */
export { pullImage } from './pull';
export { formatBytes } from './pullProgress';
