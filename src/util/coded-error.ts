/**
 * An operating error: something a user or a peer can cause, with a stable
 * upper-case code a program can test and a message a person can act on
 * (assertions, for programmer errors, are AssertionError instead). Each
 * subsystem names its codes and subclasses this once.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
