/** Where the domain writes its diagnostics (VS Code's log output channel in the extension). */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
