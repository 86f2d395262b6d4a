type LogMethod = (objOrMsg: object | string, msg?: string) => void;

/** The subset of pino the contracts rely on, so a pino logger can be passed as is. */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  child(bindings: Record<string, unknown>): Logger;
}

const ignore: LogMethod = () => {};

export const noopLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => noopLogger,
};
