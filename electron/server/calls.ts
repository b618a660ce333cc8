// How a WebSocket connection's calls are answered, the same in both servers (the window's loopback
// server and `lab serve`): each frame is decoded and checked against the call envelope — a bad one
// closes only this connection (1007 undecodable, 1008 not a call) — then answered, and the reply is
// sent if the socket is still open.
import type { WebSocket } from 'ws';
import type { CallReply } from '../../shared/handlers';
import { callMessageSchema, type CallMessage } from '../../shared/schemas';
import { decodeMessage, encodeMessage } from '../../shared/wire';

export function answerCalls(ws: WebSocket, answer: (method: CallMessage['method'], args: CallMessage['args']) => Promise<CallReply>): void {
  ws.on('message', async (data, isBinary) => {
    let msg: unknown;
    try {
      msg = decodeMessage(isBinary ? new Uint8Array(data as Buffer) : data.toString());
    } catch {
      return ws.close(1007, 'malformed message');
    }
    const env = callMessageSchema.safeParse(msg);
    if (!env.success) return ws.close(1008, 'malformed message');
    const reply = await answer(env.data.method, env.data.args);
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage({ kind: 'result', id: env.data.id, ...reply }));
  });
}
