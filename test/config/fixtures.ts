/** A valid raw config (what JSON.parse gives), fresh for each test to edit. */
export function rawConfig(): Record<string, any> {
  return {
    nodeId: 'n1',
    clusterId: 'raftkv-test',
    dataDir: '../data/n1',
    members: [
      { id: 'n1', peer: '127.0.0.1:7101', client: '127.0.0.1:7001' },
      { id: 'n2', peer: '127.0.0.1:7102', client: '127.0.0.1:7002' },
      { id: 'n3', peer: '127.0.0.1:7103', client: '127.0.0.1:7003' },
    ],
    timing: 'fast',
    limits: {},
    logLevel: 'info',
  };
}

/** The file name every in-memory config pretends to come from. */
export const FILE = 'config/test.json';
