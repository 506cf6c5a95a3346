/**
 * Running a Docker credential helper (`docker-credential-<name> get`), as the Docker CLI does.
 * No `vscode` here; registryAuth.ts decides which helper to ask.
 *
 * The protocol, as checked in github.com/docker/docker-credential-helpers:
 * - README.md ("Development"): the first argument is the action; for `get` "the payload in the
 *   standard input is the raw value for the ServerURL".
 * - credentials/credentials.go (`Get`, `Serve`): the helper trims stdin, answers on stdout with
 *   the JSON of `Credentials {ServerURL, Username, Secret}`; on an error it prints the error's text
 *   on stdout and exits 1.
 * - credentials/error.go: "credentials not found in native keychain" is the standard "none" answer;
 *   client/client.go (`Get`) writes the URL to stdin without a newline and compares the trimmed
 *   stdout with that text.
 * - docker/cli cli/config/credentials/native_store.go (`getCredentialsFromStore`): a Username of
 *   "<token>" means Secret is an identity token, not a password.
 *
 * Secrets: the answer's Secret is returned to the caller only. Errors never quote the helper's
 * stdout when it may hold an answer: a failing helper's message is taken from its stderr, or from
 * its stdout only when that is the one-line, non-JSON error text the protocol prints there.
 */
import * as l10n from '@vscode/l10n';
import { execFile } from 'node:child_process';
import type * as z from 'zod/mini';
import { CredentialAnswerSchema } from './parse';

/** Why a helper gave no usable answer, for code to switch on. */
export type HelperFailure = 'invalid-name' | 'missing' | 'timeout' | 'failed' | 'bad-answer' | 'cancelled';

/** A credential helper that could not be run or gave no usable answer. Its message never holds a secret. */
export class CredentialHelperError extends Error {
  constructor(
    message: string,
    readonly failure: HelperFailure,
    /** The program, e.g. "docker-credential-pass". */
    readonly program: string,
  ) {
    super(message);
    this.name = 'CredentialHelperError';
  }
}

/** What a helper answered for a server: a username and password, or an identity token. */
export type HelperCredentials = { username: string; password: string } | { identitytoken: string };

export interface HelperRun {
  /** The helper's name as config.json gives it ("pass" for docker-credential-pass). */
  helper: string;
  /** The server URL to ask for (the config key: "nvcr.io", "https://index.docker.io/v1/"). */
  serverURL: string;
  /** Where the helper was named, for messages: `"credsStore" in /home/u/.docker/config.json`. */
  namedBy: string;
  /** Environment of the helper (PATH finds it). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long the helper may take (default HELPER_TIMEOUT_MS): a helper can wait on a locked keyring. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Long enough for a keychain that must unlock, short enough that a start does not hang on a prompt nobody sees. */
export const HELPER_TIMEOUT_MS = 20_000;

/** The protocol's "none" answer (credentials/error.go). */
const NOT_FOUND = 'credentials not found in native keychain'; // l10n-ignore: the credential helper protocol's answer, matched
/** "<token>" as Username: Secret is an identity token (docker/cli native_store.go). */
const TOKEN_USERNAME = '<token>';


/** The last part of a helper's own words for a message: at most one short paragraph. */
function tail(text: string, max = 400): string {
  const t = text.trim().replace(/\s*\n\s*/g, ' | ');
  return t.length > max ? `…${t.slice(-max)}` : t;
}

/** The error text a failing helper printed on stdout, when it is only that (never JSON that could be an answer). */
function protocolError(stdout: string): string | undefined {
  const t = stdout.trim();
  if (!t || t.includes('\n') || t.length > 300 || /^[[{"]/.test(t)) return undefined;
  return t;
}

/**
 * Asks `docker-credential-<helper> get` for `serverURL`'s credentials. Resolves with them, or
 * `undefined` when the helper has none ("credentials not found in native keychain", or an empty
 * answer). Rejects with a CredentialHelperError naming the program, where it was configured and
 * the fix. No shell: the program is found on the environment's PATH.
 */
export function runCredentialHelper(run: HelperRun): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${run.helper}`;
  const fail = (message: string, failure: HelperFailure) => new CredentialHelperError(message, failure, program);
  // config.json gives a name, not a path: a name with a separator would run something else than a helper on PATH.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(run.helper)) {
    return Promise.reject(fail(l10n.t('The credential helper name "{0}" ({1}) is not a program name: it must be the part after "docker-credential-", such as "pass" or "desktop". Fix it in that file.', run.helper, run.namedBy), 'invalid-name'));
  }
  const timeoutMs = run.timeoutMs ?? HELPER_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      ['get'],
      { env: run.env ?? process.env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20, windowsHide: true, encoding: 'utf8', ...(run.signal ? { signal: run.signal } : {}) },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
          if (run.signal?.aborted || e.name === 'AbortError') return reject(fail(l10n.t('{0} was stopped: the pull was cancelled.', program), 'cancelled'));
          if (e.code === 'ENOENT') {
            return reject(
              fail(
                l10n.t('The Docker credential helper {0} ({1}) is not on the PATH that VS Code sees. Install it or add its folder to that PATH (a terminal\'s PATH can differ from the one VS Code started with), or remove the entry from that file and run "docker login {2}" again.', program, run.namedBy, run.serverURL),
                'missing',
              ),
            );
          }
          if (e.code === 'EACCES') return reject(fail(l10n.t('The Docker credential helper {0} ({1}) is on PATH but cannot be run (EACCES): make it executable ("chmod +x").', program, run.namedBy), 'failed'));
          if (e.killed) {
            return reject(fail(l10n.t('The Docker credential helper {0} ({1}) did not answer within {2} s for {3}; it may be waiting for a keyring or passphrase to unlock. Unlock it (e.g. run "docker pull" once in a terminal), then start again.', program, run.namedBy, Math.round(timeoutMs / 1000), run.serverURL), 'timeout'));
          }
          if (protocolError(stdout) === NOT_FOUND || stderr.trim() === NOT_FOUND) return resolve(undefined);
          const said = tail(stderr) || protocolError(stdout);
          return reject(fail(helperFailed(program, run.namedBy, run.serverURL, typeof e.code === 'number' ? { code: e.code } : { error: String(e.code ?? e.message) }, said), 'failed'));
        }
        let answer: z.infer<ReturnType<typeof CredentialAnswerSchema>>;
        try {
          answer = CredentialAnswerSchema().parse(JSON.parse(stdout));
        } catch {
          // Not a word of stdout: it may be a secret in the wrong shape.
          return reject(fail(l10n.t('The Docker credential helper {0} ({1}) answered for {2} with something that is not the protocol\'s JSON ({"Username", "Secret"}); its output is not shown because it may hold a secret. Update or fix the helper.', program, run.namedBy, run.serverURL), 'bad-answer'));
        }
        const username = answer.Username ?? '';
        const secret = answer.Secret ?? '';
        if (!secret) return resolve(undefined);
        resolve(username === TOKEN_USERNAME ? { identitytoken: secret } : { username, password: secret });
      },
    );
    // A helper that exits before reading stdin makes the write fail with EPIPE; its exit says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(run.serverURL);
  });
}

/** Why a credential helper failed, as one whole sentence per case (an exit code or a failure to run; with stderr or without). */
function helperFailed(program: string, namedBy: string, server: string, how: { code: number } | { error: string }, said: string | undefined): string {
  if ('code' in how) {
    return said
      ? l10n.t('The Docker credential helper {0} ({1}) exited with code {2} when asked for {3}: {4}. Fix the helper, or log in again with "docker login {3}".', program, namedBy, how.code, server, said)
      : l10n.t('The Docker credential helper {0} ({1}) exited with code {2} when asked for {3} and gave no reason on stderr. Fix the helper, or log in again with "docker login {3}".', program, namedBy, how.code, server);
  }
  return said
    ? l10n.t('The Docker credential helper {0} ({1}) failed ({2}) when asked for {3}: {4}. Fix the helper, or log in again with "docker login {3}".', program, namedBy, how.error, server, said)
    : l10n.t('The Docker credential helper {0} ({1}) failed ({2}) when asked for {3} and gave no reason on stderr. Fix the helper, or log in again with "docker login {3}".', program, namedBy, how.error, server);
}
