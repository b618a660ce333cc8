// A connected page (or anything that got a session) must not be able to kill the loopback server
// with one bad WebSocket frame: each malformed frame closes only its own connection, with the
// code RFC 6455 gives it, and the server keeps answering on a fresh connection. The server runs
// in a child process so that a crash shows as its exit; frames are built byte by byte and written
// over a raw TCP socket after a valid upgrade.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect as tcp, type Socket } from 'node:net';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_MESSAGE_BYTES } from '../../shared/limits';
import { decodeMessage, encodeMessage } from '../../shared/wire';
import { frame, malformedFrames } from '../fixtures/bad/wire/frames';

const root = resolve(__dirname, '../..');
let child: ChildProcess;
let port = 0;
let cookie = '';
let log = '';

function redeem(code: string): Promise<string> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/session', headers: { origin: `http://127.0.0.1:${port}` } }, (res) => {
      res.resume();
      const set = res.headers['set-cookie']?.[0];
      if (res.statusCode === 204 && set) ok(set.split(';')[0]);
      else fail(new Error(`POST /session: HTTP ${res.statusCode}`));
    });
    req.on('error', fail);
    req.end(code);
  });
}

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'tests/unit/helpers/stub-server.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const info = await new Promise<{ port: number; launchUrl: string }>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^READY (.*)$/m.exec(out);
      if (m) ok(JSON.parse(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`stub server exited (${code}): ${log}`)));
  });
  port = info.port;
  cookie = await redeem(new URL(info.launchUrl).hash.replace('#code=', ''));
});

afterAll(() => {
  child?.kill('SIGTERM');
});

/** A raw TCP socket that has completed a valid WebSocket upgrade (with the session cookie). */
function upgraded(): Promise<{ sock: Socket; received: Buffer[] }> {
  return new Promise((ok, fail) => {
    const sock = tcp(port, '127.0.0.1');
    const received: Buffer[] = [];
    let head = Buffer.alloc(0);
    let open = false;
    sock.on('error', () => {}); // the server may drop us mid-write: that is the point
    sock.on('data', (d: Buffer) => {
      if (open) return void received.push(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = head.subarray(0, end).toString('latin1');
      if (!status.startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${status.split('\r\n')[0]}`));
      open = true;
      if (head.length > end + 4) received.push(head.subarray(end + 4));
      ok({ sock, received });
    });
    sock.once('close', () => open || fail(new Error(`connection closed during the upgrade; server log:\n${log}`)));
    sock.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nCookie: ${cookie}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

/**
 * Writes `bytes` after a valid upgrade, half-closes, and waits until the server has closed the
 * connection too (so it has read everything we sent). Returns the close code the server sent, if any.
 */
async function sendRaw(bytes: Uint8Array): Promise<number | null> {
  const { sock, received } = await upgraded();
  const closed = new Promise<void>((ok) => sock.once('close', () => ok()));
  sock.write(bytes);
  sock.end();
  await closed;
  const data = Buffer.concat(received);
  // the server's frames are unmasked; a close frame is opcode 8 with the code in its first 2 bytes
  for (let at = 0; at + 2 <= data.length; ) {
    const opcode = data[at] & 0x0f;
    let len = data[at + 1] & 0x7f;
    let off = at + 2;
    if (len === 126) (len = data.readUInt16BE(off)), (off += 2);
    else if (len === 127) (len = Number(data.readBigUInt64BE(off))), (off += 8);
    if (opcode === 8) return len >= 2 ? data.readUInt16BE(off) : 1005;
    at = off + len;
  }
  return null;
}

/** The server is alive and answers a valid call on a fresh connection. */
async function answersValidCall(): Promise<void> {
  expect(child.exitCode, `the server died:\n${log}`).toBeNull();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: `http://127.0.0.1:${port}`, headers: { cookie } });
  const reply = await new Promise<unknown>((ok, fail) => {
    ws.once('error', (e) => fail(new Error(`${e.message}; server log:\n${log}`)));
    ws.once('open', () => ws.send(encodeMessage({ kind: 'call', id: 1, method: 'listDatasets', args: [] })));
    ws.once('message', (data, binary) => ok(decodeMessage(binary ? new Uint8Array(data as Buffer) : data.toString())));
  });
  ws.close();
  expect(reply).toEqual({ kind: 'result', id: 1, ok: true, value: [{ name: 'mnist' }] });
}

const cases = malformedFrames(MAX_MESSAGE_BYTES);

async function expectSurvives(kind: string): Promise<void> {
  for (const c of cases[kind]) expect(await sendRaw(c.bytes), c.name).toBe(c.closeCode);
  await answersValidCall();
}

describe('loopback server: one malformed WebSocket frame closes only its own connection', () => {
  it('invalid UTF-8 in a text frame: closed with 1007, server still answers', () => expectSurvives('invalid UTF-8'));

  it('an unmasked client frame: closed with 1002, server still answers', () => expectSurvives('unmasked'));

  it('a reserved opcode (0x3): closed with 1002, server still answers', () => expectSurvives('reserved opcode'));

  it('RSV1 set with no extension negotiated: closed with 1002, server still answers', () => expectSurvives('RSV1'));

  it('a close frame with an invalid close code (999, 1005): closed with 1002, server still answers', () => expectSurvives('bad close code'));

  it('a frame announcing 1 GiB: refused from its header with 1009 (nothing buffered), server still answers', async () => {
    expect(MAX_MESSAGE_BYTES).toBeLessThan(2 ** 30);
    await expectSurvives('1 GiB');
  });

  it('a well-formed frame that is not a message (bad JSON, bad binary header): closed with 1007, server still answers', () => expectSurvives('not a message'));
});

describe('loopback server: fuzzed frames', () => {
  const frames = fc.record({
    fin: fc.boolean(),
    rsv: fc.integer({ min: 0, max: 7 }),
    opcode: fc.integer({ min: 0, max: 15 }),
    mask: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 300 }),
    length: fc.option(fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { nil: undefined }),
  });

  it('random frames (any bits, opcode, mask, length) never stop the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frames, { minLength: 1, maxLength: 3 }), async (list) => {
        await sendRaw(Buffer.concat(list.map((f) => frame(f))));
        await answersValidCall();
      }),
      { numRuns: 120 },
    );
  });

  it('random bytes after the upgrade never stop the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 512 }), async (bytes) => {
        await sendRaw(bytes);
        await answersValidCall();
      }),
      { numRuns: 80 },
    );
  });

  it('garbage instead of an HTTP request (or inside its headers) never stops the server', async () => {
    const sendHttp = (bytes: Uint8Array) =>
      new Promise<void>((ok) => {
        const sock = tcp(port, '127.0.0.1');
        sock.on('error', () => {});
        sock.once('close', () => ok());
        sock.on('data', () => {});
        sock.end(bytes);
      });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('', 'GET / HTTP/1.1\r\n', 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n'), fc.uint8Array({ minLength: 1, maxLength: 512 }), async (prefix, bytes) => {
        await sendHttp(Buffer.concat([Buffer.from(prefix), bytes]));
        await answersValidCall();
      }),
      { numRuns: 60 },
    );
  });
});
