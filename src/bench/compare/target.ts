/**
 * What the load generator drives: a connection that can SET and GET, one
 * request in flight at a time (a closed loop). RESP systems (raftkv, Redis)
 * and etcd each provide one; the load shape is the same for all.
 */
export interface LoadConnection {
  set(key: string, value: Buffer): Promise<void>;
  get(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface LoadTarget {
  /** Opens connection number `index` of a run (a target may share transport between several). */
  open(index: number): Promise<LoadConnection>;
  /** Releases whatever the target shares between connections. */
  close(): Promise<void>;
}

/** A reply the server answered with an error: counted, never fatal to a run. */
export class ServerReplyError extends Error {
  override readonly name = 'ServerReplyError';
  constructor(readonly word: string, message: string) {
    super(message);
  }
}
