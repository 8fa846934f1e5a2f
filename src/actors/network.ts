/**
 * The Network actor connects the bus to a Transport: `net.send` events go
 * out, received messages come in as `net.recv`.
 */
import type { MessageBus } from '../bus/bus.js';
import type { Transport } from '../transport/transport.js';

export class NetworkActor {
  constructor(
    private readonly bus: MessageBus,
    private readonly transport: Transport,
  ) {
    bus.on('net.send', (event) => {
      for (const message of event.messages) this.transport.send(message);
    });
  }

  start(): Promise<void> {
    return this.transport.start((message) => this.bus.publish({ type: 'net.recv', message }));
  }

  stop(): Promise<void> {
    return this.transport.stop();
  }
}
