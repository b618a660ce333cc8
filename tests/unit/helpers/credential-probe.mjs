// What another local user can learn about a running Latent Lab: run as that user (runuser -u
// nobody). It reads the command line and environment of the server's process and of every process
// below it (what `ps` shows), reads every file or folder those name when it can, collects
// anything shaped like a credential, and tries each one on the server: as an old-style ?token=,
// as a launch code (POST /session, then the WebSocket with the cookie it got) and as a session
// cookie. Prints a JSON report; credentials are never printed, only where they were found.
// Usage: node credential-probe.mjs <port> <server pid>
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.argv[2]);
const rootPid = Number(process.argv[3]);
const origin = `http://127.0.0.1:${port}`;
const report = { uid: process.getuid(), processes: 0, args: [], filesRead: [], filesRefused: [], candidates: 0, usable: [] };
const candidates = new Map(); // secret -> where it was found

function harvest(text, where) {
  for (const m of text.matchAll(/(?:token|code|session[\w]*)=([\w-]{16,})/g)) if (!candidates.has(m[1])) candidates.set(m[1], where);
}

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** The server's pid and every process below it. */
function tree() {
  const all = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  const parents = new Map(all.map((p) => [p, parentOf(p)]));
  const inTree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) if (!inTree.has(pid) && inTree.has(ppid)) (inTree.add(pid), (grew = true));
  }
  return [...inTree];
}

/** Reads a named file, or the files directly in a named folder (not deeper). */
function tryRead(path, where, listing = true) {
  if (/^\/(proc|sys|dev)\//.test(path)) return;
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if (err.code === 'EACCES') report.filesRefused.push(path);
    return;
  }
  try {
    if (st.isDirectory()) {
      if (listing) for (const name of readdirSync(path).slice(0, 50)) tryRead(`${path}/${name}`, where, false);
    } else if (st.isFile() && st.size < 1 << 20) {
      harvest(readFileSync(path, 'latin1'), `${where}: file ${path}`);
      report.filesRead.push(path);
    }
  } catch (err) {
    report.filesRefused.push(path);
  }
}

for (const pid of tree()) {
  let argv;
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    continue;
  }
  report.processes++;
  const where = `process ${pid}`;
  for (const arg of argv) {
    report.args.push(arg.replace(/([\w-]{16,})/g, '…'));
    harvest(arg, `${where}: command line`);
    const paths = [];
    for (const m of arg.matchAll(/file:\/\/[^\s"'#?]+/g)) paths.push(fileURLToPath(m[0]));
    for (const m of arg.matchAll(/(?:^|=)(\/[^\s"'=]+)/g)) paths.push(m[1]);
    for (const p of paths) {
      tryRead(p, where);
      // the folder holding a named file too, unless it is a shared one like /tmp itself
      if (dirname(p).split('/').length > 2) tryRead(dirname(p), where);
    }
  }
  try {
    harvest(readFileSync(`/proc/${pid}/environ`, 'latin1'), `${where}: environment`);
  } catch {
    /* other users' environments are not readable */
  }
}
report.candidates = candidates.size;

function http(method, path, headers, body) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, origin, ...headers } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] });
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode });
    });
    req.on('error', () => resolve({ status: 0 }));
    req.end(body);
  });
}

const upgrade = (path, cookie) =>
  http('GET', path, {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': randomBytes(16).toString('base64'),
    ...(cookie ? { cookie } : {}),
  });

for (const [secret, where] of candidates) {
  if ((await upgrade(`/ws?token=${encodeURIComponent(secret)}`)).status === 101) report.usable.push({ as: 'token in the WebSocket address', where });
  if ((await upgrade('/ws', `lab_session_${port}=${secret}`)).status === 101) report.usable.push({ as: 'session cookie', where });
  const session = await http('POST', '/session', { 'content-type': 'text/plain' }, secret);
  if (session.status === 204 && session.cookie && (await upgrade('/ws', session.cookie)).status === 101) {
    report.usable.push({ as: 'launch code', where });
  }
}
process.stdout.write(JSON.stringify(report));
