/**
 * Every coded error the config subsystem raises, in one place. A config
 * error is an operating error (the user wrote a bad file or flag), never an
 * assertion: it carries a stable `code` and a message meant for a human,
 * one line per problem, each naming the file, the field path and what is wrong.
 */

export type ConfigErrorCode =
  /** The config file does not exist. */
  | 'CONFIG_NOT_FOUND'
  /** The file exists but cannot be read (permissions, a directory, ...). */
  | 'CONFIG_UNREADABLE'
  /** The file is not valid JSON; the message names the line and column. */
  | 'CONFIG_SYNTAX'
  /** Valid JSON that breaks one or more rules; `issues` lists them all. */
  | 'CONFIG_INVALID';

/** One problem (or warning) found in a config: where, and what. */
export interface ConfigIssue {
  /** Field path such as `timing.heartbeatMs` or `members[1].peer`; '' for the whole file. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: ConfigErrorCode,
    /** The config file as the user named it. */
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'), options);
  }
}

/** `file: path: message`, or `file: message` for an issue about the whole file. */
export function formatIssue(file: string, issue: ConfigIssue): string {
  return issue.path === '' ? `${file}: ${issue.message}` : `${file}: ${issue.path}: ${issue.message}`;
}

/** A `host:port` string that does not parse; see parseHostPort. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
  readonly code = 'BAD_ADDRESS';

  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`bad address ${JSON.stringify(address)}: ${reason}`);
  }
}
