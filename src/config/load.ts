/**
 * Reading a node's config file: read, parse, validate, and turn every
 * failure into one ConfigError whose message names the file.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, formatIssue } from './errors.js';
import { parseJson } from './json.js';
import type { ConfigOverrides, NodeConfig } from './types.js';
import { validateConfig } from './validate.js';

export interface LoadedConfig {
  readonly config: NodeConfig;
  /** Legal but doubtful settings, one formatted line each (`file: path: message`), for the caller to log. */
  readonly warnings: readonly string[];
}

/** Loads and validates a config file; throws ConfigError. Flags in `overrides` win over the file. */
export function loadConfigFile(path: string, overrides?: ConfigOverrides): NodeConfig {
  return loadConfigFileWithWarnings(path, overrides).config;
}

/** As loadConfigFile, also returning the warnings. */
export function loadConfigFileWithWarnings(path: string, overrides?: ConfigOverrides): LoadedConfig {
  return parseConfigText(readConfigText(path), path, overrides);
}

/**
 * Parses and validates config text as if read from `file` (relative dataDir
 * resolves against the file's directory). Throws ConfigError.
 */
export function parseConfigText(text: string, file: string, overrides?: ConfigOverrides): LoadedConfig {
  // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
  const parsed = parseJson(text.startsWith('\uFEFF') ? text.slice(1) : text);
  if (!parsed.ok) {
    const where = `invalid JSON at line ${parsed.line}, column ${parsed.column}`;
    throw new ConfigError('CONFIG_SYNTAX', file, [{ path: '', message: `${where}: ${parsed.message}` }]);
  }
  const result = validateConfig(parsed.value, { baseDir: dirname(file), ...(overrides && { overrides }) });
  if (!result.ok) throw new ConfigError('CONFIG_INVALID', file, result.errors);
  return { config: result.config, warnings: result.warnings.map((warning) => formatIssue(file, warning)) };
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const message = `no such config file (looked for ${resolve(path)})`;
      throw new ConfigError('CONFIG_NOT_FOUND', path, [{ path: '', message }], { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError('CONFIG_UNREADABLE', path, [{ path: '', message: `cannot read: ${reason}` }], { cause: error });
  }
}
