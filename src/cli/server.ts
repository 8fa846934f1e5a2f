/** `raftkv server`: one node in this process until SIGTERM/SIGINT. */
import { ConfigError, loadConfigFileWithWarnings, type ConfigOverrides, type LogLevel, type TimingPreset } from '../config/index.js';
import { createLogger, isTty } from '../log/logger.js';
import { startNode, type RunningNode, type StartNodeOptions } from '../node/node.js';
import type { Logger } from '../log/logger.js';
import { CliExit, nextSignal, println, type CliIo } from './io.js';

export interface ServerOptions {
  readonly config: string;
  readonly nodeId?: string;
  readonly dataDir?: string;
  readonly timing?: TimingPreset;
  readonly logLevel?: LogLevel;
  readonly verbose?: boolean;
  readonly pretty?: boolean;
  readonly trace?: string;
  readonly traceMaxBytes?: number;
  readonly flightEvents?: number;
  readonly flightDir?: string;
}

export async function serverCommand(options: ServerOptions, io: CliIo): Promise<void> {
  const { config, warnings } = loadConfig(options, io);
  const level: LogLevel = options.logLevel ?? (options.verbose === true ? 'debug' : config.logLevel);
  let node: RunningNode | null = null;
  const logger = createLogger({
    level,
    pretty: options.pretty === true || isTty(io.stdout),
    nodeId: config.nodeId,
    // Lines written before the node exists carry a placeholder role.
    status: () => {
      const s = node?.status();
      return s === undefined ? { term: 0, role: 'starting' } : { term: s.term, role: s.role };
    },
  });
  for (const warning of warnings) logger.warn(warning);
  const stopping = nextSignal(io);
  node = await startNode(config, { logger, ...recorderOptions(options) });
  const unhook = hookFlightDumps(node, logger);
  const self = config.members.find((m) => m.id === config.nodeId);
  println(io.stdout, `raftkv node ${config.nodeId} listening: clients on ${self?.client ?? '?'}, peers on ${self?.peer ?? '?'}, data in ${config.dataDir}`);
  const signal = await stopping;
  logger.info({ signal }, 'stopping');
  unhook();
  await node.stop();
  io.exit(0);
}

function recorderOptions(options: ServerOptions): Pick<StartNodeOptions, 'trace' | 'flight'> {
  return {
    ...(options.trace !== undefined && {
      trace: { path: options.trace, ...(options.traceMaxBytes !== undefined && { maxBytes: options.traceMaxBytes }) },
    }),
    flight: {
      ...(options.flightEvents !== undefined && { capacity: options.flightEvents }),
      ...(options.flightDir !== undefined && { dir: options.flightDir }),
    },
  };
}

/**
 * SIGUSR2 dumps the flight recorder and the node goes on; an uncaught error
 * dumps it and the process exits 1, as it would have without the hook.
 */
function hookFlightDumps(node: RunningNode, logger: Logger): () => void {
  const onSignal = (): void => {
    try {
      node.flightDump('SIGUSR2');
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'flight dump failed');
    }
  };
  const onUncaught = (error: Error): void => {
    logger.fatal({ err: error.stack ?? error.message }, 'uncaught error');
    try {
      node.flightDump(`uncaught error: ${error.message}`);
    } finally {
      process.exit(1);
    }
  };
  process.on('SIGUSR2', onSignal);
  process.on('uncaughtException', onUncaught);
  return () => {
    process.off('SIGUSR2', onSignal);
    process.off('uncaughtException', onUncaught);
  };
}

/** A bad config is the user's to fix: its message alone, exit code 2. */
function loadConfig(options: ServerOptions, io: CliIo): ReturnType<typeof loadConfigFileWithWarnings> {
  const overrides: ConfigOverrides = {
    ...(options.nodeId !== undefined && { nodeId: options.nodeId }),
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.timing !== undefined && { timing: options.timing }),
    ...(options.logLevel !== undefined && { logLevel: options.logLevel }),
  };
  try {
    return loadConfigFileWithWarnings(options.config, overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    println(io.stderr, error.message);
    throw new CliExit(2);
  }
}
