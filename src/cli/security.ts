/**
 * The flags every client command shares for nodes that require TLS or
 * authentication (clientTls, clientAuth), as redis-cli spells them:
 * --user, --password (or RAFTKV_USER / RAFTKV_PASSWORD, which other users
 * cannot read in `ps`), --tls, --cacert, --cert, --key, --sni.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConnectionSecurity } from '../client/connection.js';
import { UsageError, type CliIo } from './io.js';

export interface SecurityFlags {
  readonly user?: string;
  readonly password?: string;
  readonly tls?: boolean;
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly sni?: string;
}

export function addSecurityOptions(command: Command): Command {
  return command
    .option('--user <name>', 'authenticate as this user (clientAuth; env RAFTKV_USER); without it, AUTH <password> means the default user')
    .option('--password <password>', 'the password (visible to other users in ps: prefer env RAFTKV_PASSWORD)')
    .option('--tls', 'connect over TLS (the node has clientTls)')
    .option('--cacert <file>', 'PEM CA certificate to trust for the node (implies --tls)')
    .option('--cert <file>', 'PEM client certificate, when the node requires one (implies --tls)')
    .option('--key <file>', 'PEM private key of --cert')
    .option('--sni <name>', "the name the node's certificate must carry (default: the host connected to)");
}

/** Credentials and TLS from the flags and the environment; {} when neither asks for any. */
export function securityFrom(flags: SecurityFlags, io: CliIo): ConnectionSecurity {
  const env = io.env ?? {};
  const user = flags.user ?? nonEmpty(env['RAFTKV_USER']);
  const password = flags.password ?? nonEmpty(env['RAFTKV_PASSWORD']);
  if (user !== undefined && password === undefined) throw new UsageError('--user needs a password: --password or RAFTKV_PASSWORD');
  if ((flags.cert === undefined) !== (flags.key === undefined)) throw new UsageError('--cert and --key go together');
  const wantsTls = flags.tls === true || flags.cacert !== undefined || flags.cert !== undefined || flags.sni !== undefined;
  return {
    ...(password !== undefined && { auth: { password, ...(user !== undefined && { user }) } }),
    ...(wantsTls && {
      tls: {
        ...(flags.cacert !== undefined && { ca: readPem(flags.cacert, '--cacert') }),
        ...(flags.cert !== undefined && { cert: readPem(flags.cert, '--cert') }),
        ...(flags.key !== undefined && { key: readPem(flags.key, '--key') }),
        ...(flags.sni !== undefined && { servername: flags.sni }),
      },
    }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(error as Error).message}`);
  }
}
