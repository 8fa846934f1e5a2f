/**
 * The `members` section: who is in the cluster and where each member
 * listens. Every id and every address must be unique, or two nodes would
 * answer to one name or fight over one port.
 */
import { addressKey, tryParseHostPort } from './address.js';
import { checkKnownKeys, describe, isObject, readString, type Issues } from './fields.js';
import type { MemberConfig, NodeConfig } from './types.js';

/** Node and cluster ids: they appear in logs, traces, storage and error replies, so keep them plain. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ID_RULE = { pattern: ID_PATTERN, what: "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit" } as const;

/** Why `id` cannot name a member, or null (for ids that arrive at run time, e.g. CLUSTER MEMBER ADD-LEARNER). */
export function memberIdProblem(id: string): string | null {
  return ID_PATTERN.test(id) ? null : `ERR bad member id '${id.slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}': use ${ID_RULE.what}`;
}

const MEMBER_FIELDS = ['id', 'peer', 'client'] as const;

/** Checks the members array; undefined when it has errors (recorded in issues). */
export function resolveMembers(raw: unknown, path: string, issues: Issues): MemberConfig[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.error(path, raw === undefined ? 'is required' : `must be a non-empty array of {id, peer, client}, got ${describe(raw)}`);
    return undefined;
  }
  const errorsBefore = issues.errors.length;
  const members = raw.map((item, i) => resolveMember(item, `${path}[${i}]`, issues));
  checkUniqueIds(members, path, issues);
  checkUniqueAddresses(members, path, issues);
  warnEvenCount(raw.length, path, issues);
  if (issues.errors.length > errorsBefore) return undefined;
  return members as MemberConfig[];
}

/** The member with this id, or undefined. */
export function memberById(config: Pick<NodeConfig, 'members'>, id: string): MemberConfig | undefined {
  return config.members.find((member) => member.id === id);
}

/** Every member but this node: the peers it replicates to. */
export function peersOf(config: Pick<NodeConfig, 'members' | 'nodeId'>): MemberConfig[] {
  return config.members.filter((member) => member.id !== config.nodeId);
}

type PartialMember = Partial<Record<(typeof MEMBER_FIELDS)[number], string>>;

function resolveMember(raw: unknown, path: string, issues: Issues): PartialMember {
  if (!isObject(raw)) {
    issues.error(path, `must be an object {id, peer, client}, got ${describe(raw)}`);
    return {};
  }
  checkKnownKeys(raw, MEMBER_FIELDS, path, issues);
  return {
    id: readString(raw['id'], `${path}.id`, issues, ID_RULE),
    peer: readAddress(raw['peer'], `${path}.peer`, issues),
    client: readAddress(raw['client'], `${path}.client`, issues),
  };
}

function readAddress(raw: unknown, path: string, issues: Issues): string | undefined {
  const text = readString(raw, path, issues, { what: 'a string "host:port"' });
  if (text === undefined) return undefined;
  const parsed = tryParseHostPort(text);
  if (typeof parsed !== 'string') return text;
  issues.error(path, `${parsed} (in ${JSON.stringify(text)})`);
  return undefined;
}

function checkUniqueIds(members: readonly PartialMember[], path: string, issues: Issues): void {
  const firstIndex = new Map<string, number>();
  members.forEach((member, i) => {
    if (member.id === undefined) return;
    const first = firstIndex.get(member.id);
    if (first === undefined) firstIndex.set(member.id, i);
    else issues.error(`${path}[${i}].id`, `duplicate member id "${member.id}" (also ${path}[${first}].id)`);
  });
}

/** Peer and client addresses share one namespace: a node cannot serve both protocols on one port. */
function checkUniqueAddresses(members: readonly PartialMember[], path: string, issues: Issues): void {
  const firstUse = new Map<string, string>();
  members.forEach((member, i) => {
    for (const field of ['peer', 'client'] as const) {
      const address = member[field];
      if (address === undefined) continue;
      const parsed = tryParseHostPort(address);
      if (typeof parsed === 'string') continue;
      const key = addressKey(parsed);
      const here = `${path}[${i}].${field}`;
      const first = firstUse.get(key);
      if (first === undefined) firstUse.set(key, here);
      else issues.error(here, `address ${address} is already used by ${first}`);
    }
  });
}

/** An even-sized cluster tolerates no more failures than one member smaller (quorum is n/2 + 1). */
function warnEvenCount(count: number, path: string, issues: Issues): void {
  if (count % 2 === 1) return;
  const tolerated = Math.floor((count - 1) / 2);
  issues.warn(
    path,
    `${count} members tolerate ${tolerated} failure(s), no more than ${count - 1} would; an odd count is recommended`,
  );
}
