import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** What the bot sent back for one envelope: `{ envelope_id, payload }`, and how long it took. */
export interface SocketAck {
  envelope_id: string;
  payload: Record<string, unknown>;
  ms: number;
}

/**
 * Slack's side of Socket Mode on 127.0.0.1, as @slack/socket-mode's SocketModeClient expects it:
 * the client gets `url` from `apps.connections.open`, connects, waits for `{"type":"hello"}`,
 * then receives envelopes (`events_api`, `slash_commands`, `interactive`) and acks each one by
 * sending `{"envelope_id": …, "payload": {…}}` back.
 */
export interface SocketModeServer {
  /** The WebSocket URL for `apps.connections.open` to hand out. */
  url: string;
  /** How many connections the bot has opened so far. */
  connections(): number;
  /** Resolves once a bot is connected and has been sent `hello`. */
  connected(timeoutMs?: number): Promise<void>;
  /** Sends an envelope to the connected bot; resolves with its ack (rejects after `timeoutMs`). */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, timeoutMs?: number): Promise<SocketAck>;
  /** Resolves when the bot's connection has closed. */
  disconnected(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSocketModeServer(): Promise<SocketModeServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/link' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const acks = new Map<string, (ack: Omit<SocketAck, 'ms'>) => void>();
  let socket: WebSocket | undefined;
  let opened = 0;
  let onConnected: (() => void) | undefined;
  let onClosed: (() => void) | undefined;

  server.on('connection', (connection) => {
    opened += 1;
    socket = connection;
    connection.on('message', (data: RawData) => {
      const message = JSON.parse(data.toString()) as { envelope_id?: string; payload?: Record<string, unknown> };
      if (message.envelope_id) acks.get(message.envelope_id)?.({ envelope_id: message.envelope_id, payload: message.payload ?? {} });
    });
    connection.on('close', () => {
      if (socket === connection) socket = undefined;
      onClosed?.();
    });
    connection.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-test', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0APP' },
      }),
    );
    onConnected?.();
  });

  const within = <T>(timeoutMs: number, what: string, start: (resolve: (value: T) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket mode: ${what} within ${timeoutMs} ms`)), timeoutMs);
      start((value) => (clearTimeout(timer), resolve(value)));
    });

  return {
    url: `ws://127.0.0.1:${port}/link`,
    connections: () => opened,
    connected: (timeoutMs = 5_000) =>
      within<void>(timeoutMs, 'no connection', (resolve) => (socket ? resolve() : (onConnected = () => resolve()))),
    send(type, payload, timeoutMs = 3_000) {
      const connection = socket;
      if (!connection) return Promise.reject(new Error('socket mode: no bot connected'));
      const envelopeId = randomUUID();
      const sentAt = Date.now();
      const envelope = {
        envelope_id: envelopeId,
        type,
        accepts_response_payload: type === 'slash_commands',
        payload,
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      };
      const acked = within<SocketAck>(timeoutMs, `no ack for ${type} ${envelopeId}`, (resolve) =>
        acks.set(envelopeId, (ack) => resolve({ ...ack, ms: Date.now() - sentAt })),
      ).finally(() => acks.delete(envelopeId));
      connection.send(JSON.stringify(envelope));
      return acked;
    },
    disconnected: (timeoutMs = 5_000) =>
      within<void>(timeoutMs, 'the bot did not disconnect', (resolve) => (socket ? (onClosed = () => resolve()) : resolve())),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const client of server.clients) client.terminate();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
