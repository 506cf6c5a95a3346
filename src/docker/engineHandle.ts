/**
 * What pulls and the credential check need of an engine client: DockerEngine has it. They take this
 * rather than the class, which loads them on first use (imagesModule.ts): the engine client imports
 * the pull code lazily, and the pull code needs no more of it than this.
 */
import type Docker from 'dockerode';
import type { Endpoint } from './endpoint';
import type { EngineSettingIds } from './errors';

export interface EngineHandle {
  /** The dockerode client. */
  readonly docker: Docker;
  /** Where the engine is, for messages. */
  readonly address: string;
  /** The settings the address came from, for messages (default: the top-level ones). */
  readonly settingIds?: EngineSettingIds;
  readonly isLocal: boolean;
  readonly endpoint: Endpoint | undefined;
}
