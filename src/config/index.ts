/** The config subsystem's public API; import from here rather than from the files behind it. */
export * from './types.js';
export { ConfigError, AddressError, formatIssue, type ConfigErrorCode, type ConfigIssue } from './errors.js';
export { parseHostPort, tryParseHostPort, formatHostPort, type HostPort } from './address.js';
export { memberById, peersOf } from './members.js';
export { validateConfig, LOG_LEVELS, type ValidateOptions, type ValidationResult } from './validate.js';
export { TIMING_PRESET_NAMES } from './timing.js';
export { loadConfigFile, loadConfigFileWithWarnings, parseConfigText, type LoadedConfig } from './load.js';
