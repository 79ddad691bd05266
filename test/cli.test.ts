// The command line as people run it: `node --import tsx src/main.ts …` in a
// child process with a scratch DATABASE_PATH. --help, usage errors, and the
// one line that names what to change when a command cannot start.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer, type Server } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { scratchFolder, seededCatalogue } from './helpers.ts';
import { ROOT } from './ingest-helpers.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, options: { uid?: number; untilStdout?: RegExp } = {}) {
  const child = spawn('node', ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_PATH: path.join(scratchFolder(), 'catalogue.db'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (options.untilStdout?.test(stdout)) child.kill('SIGTERM');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const listening = (port: number) =>
  new Promise<Server>((resolve) => {
    const server = createServer().listen(port, '127.0.0.1', () => resolve(server));
  });

const freePort = async () => {
  const probe = await listening(0);
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
};

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

const defaults = loadConfig({});
const COMMANDS = ['serve', 'migrate', 'reindex', 'schema', 'ingest', 'digest', 'copy'];

describe('--help', { timeout: 90_000 }, () => {
  it('--help, -h and help print the commands and the environment they read to stdout and exit 0', async () => {
    const runs = await Promise.all(['--help', '-h', 'help'].map((flag) => run([flag])));
    for (const r of runs) {
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe(runs[0]!.stdout);
    }
    for (const command of COMMANDS) expect(runs[0]!.stdout).toMatch(new RegExp(`^  ${command} `, 'mu'));
    expect(runs[0]!.stdout).toContain(`DATABASE_PATH  SQLite file of the catalogue; its folder must exist (default: ${defaults.databasePath})`);
  });

  it('every command lists its options and environment with their defaults, and starts nothing', async () => {
    const port = await freePort();
    const database = path.join(scratchFolder(), 'never.db');
    const runs = await Promise.all(COMMANDS.map((command) => run([command, '--help'], { PORT: String(port), DATABASE_PATH: database })));
    runs.forEach((r, i) => {
      expect(r.code, COMMANDS[i]).toBe(0);
      expect(r.stderr, COMMANDS[i]).toBe('');
      expect(r.stdout, COMMANDS[i]).toMatch(/^usage: /u);
      expect(r.stdout, COMMANDS[i]).toContain('-h, --help');
    });
    const [serve, , , , ingest, digest] = runs.map((r) => r.stdout);
    expect(serve).toContain(`PORT `);
    expect(serve).toMatch(new RegExp(`^  PORT +port to listen on \\(0: any free port\\) \\(default: ${defaults.port}\\)$`, 'mu'));
    expect(serve).toMatch(new RegExp(`^  SHUTDOWN_GRACE_MS +.*\\(default: ${defaults.shutdownGraceMs}\\)$`, 'mu'));
    expect(serve).toMatch(new RegExp(`^  MAX_QUERY_NODES +.*\\(default: ${defaults.limits.maxNodes}\\)$`, 'mu'));
    expect(ingest).toContain('--dry-run');
    expect(ingest).toContain('--skip-invalid');
    expect(ingest).not.toContain('Unknown option');
    expect(digest).toContain('--period DAY|WEEK|MONTH');
    expect(digest).toMatch(/^  SMTP_URL +.*\(default: not set\)$/mu);
    // Nothing listened on PORT, and no database was created.
    expect(await refused(port)).toBe(true);
    expect(existsSync(database)).toBe(false);
  });

  it('-h and help after a command say the same as --help', async () => {
    const [long, short, word] = await Promise.all([['ingest', '--help'], ['ingest', '-h'], ['ingest', 'help']].map((args) => run(args)));
    expect(short).toEqual(long);
    expect(word).toEqual(long);
  });
});

describe('usage errors: one line on stderr naming the problem and pointing at --help, exit 2', { timeout: 90_000 }, () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate" (see node --import tsx src/main.ts --help)'],
    [['--frobnicate'], 'unknown option --frobnicate (see node --import tsx src/main.ts --help)'],
    [[], 'no command given (see node --import tsx src/main.ts --help)'],
    [['serve', '--port', '5'], 'serve: unknown option --port (see node --import tsx src/main.ts serve --help)'],
    [['migrate', 'now'], 'migrate: unexpected argument "now" (see node --import tsx src/main.ts migrate --help)'],
    [['ingest', '--frobnicate', 'seeds'], 'ingest: unknown option --frobnicate (see npm run ingest -- --help)'],
    [['digest', 'send', '--period', 'YEAR'], 'digest: --period must be DAY, WEEK or MONTH (see npm run digest -- --help)'],
    [['digest', 'send', '--frobnicate'], 'digest: unknown option --frobnicate (see npm run digest -- --help)'],
  ])('%j', async (args, line) => {
    expect(await run(args)).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });
});

describe('serve refuses to start, in one line naming what to change', { timeout: 90_000 }, () => {
  it('a port in use', async () => {
    const port = await freePort();
    const taken = await listening(port);
    try {
      const r = await run(['serve'], { PORT: String(port), SEEDS: 'off' });
      expect(r).toEqual({ code: 1, stdout: '', stderr: `port ${port} is in use: set PORT to a free port\n` });
      const cluster = await run(['serve'], { PORT: String(port), SEEDS: 'off', WORKERS: '2' });
      expect(cluster.code).toBe(1);
      expect(new Set(cluster.stderr.trim().split('\n'))).toEqual(new Set([`port ${port} is in use: set PORT to a free port`]));
    } finally {
      taken.close();
    }
  });

  it('a DATABASE_PATH that cannot be opened or created', async () => {
    const r = await run(['serve'], { DATABASE_PATH: '/proc/x.db', PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^DATABASE_PATH=\/proc\/x\.db cannot be opened or created: unable to open database file \(SQLITE_CANTOPEN\); set DATABASE_PATH to a file in a folder you can write\n$/u);
  });

  it('a DATABASE_PATH in a folder that does not exist, which it does not create', async () => {
    const folder = path.join(scratchFolder(), 'missing');
    const file = path.join(folder, 'catalogue.db');
    for (const command of ['serve', 'migrate']) {
      const r = await run([command], { DATABASE_PATH: file, PORT: '0' });
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `DATABASE_PATH=${file}: the folder ${folder} does not exist; create it, or set DATABASE_PATH to a file in an existing folder\n`,
      });
    }
    expect(existsSync(folder)).toBe(false);
  });

  it('a read-only database', async () => {
    const database = seededCatalogue();
    const seeded = database.sqlite.name;
    database.close();
    // Root writes any file: the server runs as nobody, to whom the copy and its folder are read-only.
    const root = process.getuid?.() === 0;
    const folder = mkdtempSync(path.join(tmpdir(), 'catalogue-read-only-'));
    const file = path.join(folder, 'catalogue.db');
    copyFileSync(seeded, file);
    chmodSync(file, 0o444);
    chmodSync(folder, 0o555);
    try {
      const r = await run(['serve'], { DATABASE_PATH: file, PORT: '0' }, root ? { uid: 65534 } : {});
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(`^DATABASE_PATH=${file.replace(/[.]/gu, '\\.')} is read-only: attempt to write a readonly database \\(SQLITE_READONLY\\w*\\); make the file and its folder writable by this user, or set DATABASE_PATH to a writable copy\\n$`, 'u'),
      );
    } finally {
      chmodSync(folder, 0o700);
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the banner', { timeout: 90_000 }, () => {
  it('names the database file served and its number of papers', async () => {
    const database = seededCatalogue();
    const file = database.sqlite.name;
    const { n } = database.sqlite.prepare('SELECT count(*) AS n FROM papers').get() as { n: number };
    database.close();
    expect(n).toBeGreaterThan(0);
    const relative = path.relative(ROOT, file);
    const r = await run(['serve'], { DATABASE_PATH: relative, PORT: '0', SEEDS: 'off' }, { untilStdout: /\n/u });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Paper catalogue GraphQL API at http://127\\.0\\.0\\.1:\\d+/graphql \\(GraphiQL in a browser\\), serving ${file.replace(/[.]/gu, '\\.')} \\(${n} papers\\); mail goes to .+\\n$`, 'u'));
  });
});
