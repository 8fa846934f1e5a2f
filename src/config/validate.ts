/**
 * Turns a parsed JSON value into a NodeConfig, or into the full list of
 * what is wrong with it (etcd's Config.validate() is the model: reject bad
 * bounds at start-up, not at the first request that hits them). Pure: no
 * file access; paths resolve against the directory the caller names.
 */
import { resolve } from 'node:path';
import { tryParseHostPort } from './address.js';
import type { ConfigIssue } from './errors.js';
import { checkKnownKeys, describe, isObject, Issues, readChoice, readString, type JsonObject } from './fields.js';
import { resolveLimits } from './limits.js';
import { resolvePeerTls, warnPlaintextPeers } from './peer-tls.js';
import { resolveClientAuth } from './client-auth.js';
import { resolveClientTls, warnPlaintextAuth } from './client-tls.js';
import { ID_RULE, memberById, resolveMembers } from './members.js';
import { resolveTiming } from './timing.js';
import type { ConfigOverrides, DebugCommands, LogLevel, MemberConfig, NodeConfig, ReadMode } from './types.js';

export const CONFIG_FIELDS = ['nodeId', 'clusterId', 'dataDir', 'members', 'timing', 'limits', 'readMode', 'logLevel', 'peerTls', 'debugCommands', 'httpAddress', 'clientAuth', 'clientTls', 'join'] as const;
export const DEBUG_COMMANDS: readonly DebugCommands[] = ['no', 'local', 'yes'];
export const DEFAULT_DEBUG_COMMANDS: DebugCommands = 'local';
export const READ_MODES: readonly ReadMode[] = ['readindex', 'lease'];
export const DEFAULT_READ_MODE: ReadMode = 'readindex';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const DEFAULT_CLUSTER_ID = 'raftkv';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export interface ValidateOptions {
  /** What a relative dataDir in the file is relative to: the config file's directory. */
  readonly baseDir: string;
  readonly overrides?: ConfigOverrides;
}

export type ValidationResult =
  | { readonly ok: true; readonly config: NodeConfig; readonly warnings: readonly ConfigIssue[] }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[]; readonly warnings: readonly ConfigIssue[] };

type Field = (typeof CONFIG_FIELDS)[number];
/** A field's value and the path to report it under: overridden fields say so. */
type Source = { readonly value: unknown; readonly path: string; readonly overridden: boolean };

export function validateConfig(raw: unknown, options: ValidateOptions): ValidationResult {
  const issues = new Issues();
  if (!isObject(raw)) {
    issues.error('', `must hold a JSON object, got ${describe(raw)}`);
    return { ok: false, errors: issues.errors, warnings: issues.warnings };
  }
  checkKnownKeys(raw, CONFIG_FIELDS, '', issues);
  const config = resolveFields((field) => sourceOf(raw, field, options.overrides), options.baseDir, issues);
  if (config === undefined || issues.errors.length > 0) {
    return { ok: false, errors: issues.errors, warnings: issues.warnings };
  }
  return { ok: true, config: deepFreeze(config), warnings: issues.warnings };
}

function sourceOf(raw: JsonObject, field: Field, overrides: ConfigOverrides = {}): Source {
  const override = field in overrides ? (overrides as Record<string, unknown>)[field] : undefined;
  if (override !== undefined) return { value: override, path: `${field} (override)`, overridden: true };
  return { value: raw[field], path: field, overridden: false };
}

function resolveFields(source: (field: Field) => Source, baseDir: string, issues: Issues): NodeConfig | undefined {
  const nodeIdSource = source('nodeId');
  const nodeId = readString(nodeIdSource.value, nodeIdSource.path, issues, ID_RULE);
  const clusterId = readClusterId(source('clusterId'), issues);
  const dataDir = readDataDir(source('dataDir'), baseDir, issues);
  const membersSource = source('members');
  const members = resolveMembers(membersSource.value, membersSource.path, issues);
  if (nodeId !== undefined && members !== undefined) checkIsMember(nodeId, nodeIdSource.path, members, issues);
  const timingSource = source('timing');
  const timing = resolveTiming(timingSource.value, timingSource.path, issues);
  const limitsSource = source('limits');
  const limits = resolveLimits(limitsSource.value, limitsSource.path, issues);
  const logLevel = readLogLevel(source('logLevel'), issues);
  const readModeSource = source('readMode');
  const readMode = readModeSource.value === undefined ? DEFAULT_READ_MODE : readChoice(readModeSource.value, READ_MODES, readModeSource.path, issues);
  const httpSource = source('httpAddress');
  const httpAddress = readHttpAddress(httpSource, issues);
  if (nodeId === undefined || clusterId === undefined || dataDir === undefined || members === undefined) return undefined;
  const peerTlsSource = source('peerTls');
  const peerTls = resolvePeerTls(peerTlsSource.value, peerTlsSource.path, baseDir, issues);
  if (timing === undefined || limits === undefined || logLevel === undefined || readMode === undefined) return undefined;
  const debugSource = source('debugCommands');
  const debugCommands = debugSource.value === undefined ? DEFAULT_DEBUG_COMMANDS : readChoice(debugSource.value, DEBUG_COMMANDS, debugSource.path, issues);
  const clientAuthSource = source('clientAuth');
  const clientAuth = resolveClientAuth(clientAuthSource.value, clientAuthSource.path, baseDir, issues);
  const clientTlsSource = source('clientTls');
  const clientTls = resolveClientTls(clientTlsSource.value, clientTlsSource.path, baseDir, issues);
  if (peerTls === undefined || debugCommands === undefined || httpAddress === false || clientAuth === undefined || clientTls === undefined) return undefined;
  warnPlaintextPeers(members, peerTls, issues);
  warnPlaintextAuth(memberById({ members }, nodeId), clientAuth, clientTls, issues);
  const join = readJoin(source('join'), issues);
  if (join === undefined) return undefined;
  return { nodeId, clusterId, dataDir, members, timing, limits, readMode, logLevel, peerTls, debugCommands, clientAuth, clientTls, ...(httpAddress !== undefined && { httpAddress }), ...(join && { join }) };
}

/** `join: true`: this node joins an existing cluster (as a learner an operator added) and never bootstraps one. */
function readJoin({ value, path }: Source, issues: Issues): boolean | undefined {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  issues.error(path, `must be true or false, got ${describe(value)}`);
  return undefined;
}

/** Absent or null: no HTTP server. Otherwise a host:port to listen on (false: invalid, reported). */
function readHttpAddress({ value, path }: Source, issues: Issues): string | undefined | false {
  if (value === undefined || value === null) return undefined;
  const address = readString(value, path, issues, { what: 'a host:port string or null' });
  if (address === undefined) return false;
  const parsed = tryParseHostPort(address);
  if (typeof parsed === 'string') {
    issues.error(path, `${parsed}, got ${describe(address)}`);
    return false;
  }
  return address;
}

function readClusterId({ value, path }: Source, issues: Issues): string | undefined {
  return value === undefined ? DEFAULT_CLUSTER_ID : readString(value, path, issues, ID_RULE);
}

function readLogLevel({ value, path }: Source, issues: Issues): LogLevel | undefined {
  return value === undefined ? DEFAULT_LOG_LEVEL : readChoice(value, LOG_LEVELS, path, issues);
}

/** A relative dataDir in the file is relative to the file; on the command line, to the working directory. */
function readDataDir({ value, path, overridden }: Source, baseDir: string, issues: Issues): string | undefined {
  const dir = readString(value, path, issues);
  if (dir === undefined) return undefined;
  if (dir.includes('\0')) {
    issues.error(path, 'must not contain a NUL character');
    return undefined;
  }
  return overridden ? resolve(dir) : resolve(baseDir, dir);
}

function checkIsMember(nodeId: string, path: string, members: readonly MemberConfig[], issues: Issues): void {
  if (memberById({ members }, nodeId) !== undefined) return;
  const ids = members.map((member) => member.id).join(', ');
  issues.error(path, `must be the id of a member (${ids}), got "${nodeId}"`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
