// A real PostgreSQL server for the tests: initdb into a folder of its own from
// the system's binaries, listening on a free port of 127.0.0.1 and on a socket
// in that folder, stopped (and the folder removed) at the end. PostgreSQL
// refuses to run as root, so as root it runs as the `postgres` system user.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { postgresBinaries } from './prerequisites.ts';

export interface PostgresServer {
  /** postgres://… of a database created for the caller. */
  url: string;
  /** Makes another empty database on the same server, and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The folder the cluster lives in. */
  dataDir: string;
  port: number;
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** The uid and gid of the `postgres` system user, which runs the server when the tests are root. */
function postgresUser(): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
  return { uid: uid!, gid: gid! };
}

/** A command of the PostgreSQL binaries, as `postgres` when this process is root. */
function command(bin: string, name: string, args: string[]): [string, string[]] {
  const file = path.join(bin, name);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the server accepts a connection, or its process ends. */
async function ready(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}:\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections in 30 s: ${(error as Error).message}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A postgres process serving `dataDir`, until stop(). */
interface Running {
  port: number;
  /** postgres://… without the database. */
  base: string;
  stop(): Promise<void>;
}

const BASE_SETTINGS = {
  listen_addresses: '127.0.0.1',
  wal_level: 'replica',
  max_wal_senders: '4',
  hot_standby: 'on',
  fsync: 'off', // a test cluster: nothing in it outlives the run
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

/** Runs postgres over an initialised `dataDir` (in `root`, which stop() removes) on a free port. */
async function run(bin: string, root: string, dataDir: string, extra: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const settings = { ...BASE_SETTINGS, port: String(port), unix_socket_directories: root, ...extra };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const server = spawn(...command(bin, 'postgres', args), { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  server.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  // Signals go to the postmaster itself: runuser does not pass them on.
  const postmaster = () => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
  // Last resort if the test process ends without stop().
  const killOnExit = () => {
    try {
      process.kill(postmaster(), 'SIGKILL');
    } catch {
      server.kill('SIGKILL');
    }
  };
  process.once('exit', killOnExit);
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (server.exitCode === null) {
        // SIGINT: "fast" shutdown, the connections still open are closed.
        process.kill(postmaster(), 'SIGINT');
        const timer = setTimeout(killOnExit, 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      rmSync(root, { recursive: true, force: true });
    })());
  const base = `postgres://catalogue:${PASSWORD}@127.0.0.1:${port}`;
  try {
    await ready(`${base}/postgres`, server, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, base, stop };
}

const PASSWORD = 'catalogue';

/** A folder for a cluster, owned by the user that runs postgres. */
function clusterFolder(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'paper-catalogue-pg-'));
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(root, uid, gid);
  }
  chmodSync(root, 0o700);
  return root;
}

export interface PostgresReplica {
  /** postgres://… of the replica's copy of the primary's database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL server of its own (initdb, then postgres in the
 * foreground), with `wal_level=replica` so that startReplica() can stream
 * from it. Throws when the binaries are missing (see prerequisites.ts).
 */
export async function startPostgres(): Promise<PostgresServer & { startReplica(): Promise<PostgresReplica> }> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('PostgreSQL is missing: apt-get install postgresql');
  const root = clusterFolder();
  const dataDir = path.join(root, 'data');
  const passwordFile = path.join(root, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`);
  if (asRoot) chownSync(passwordFile, postgresUser().uid, postgresUser().gid);
  execFileSync(...command(bin, 'initdb', ['-D', dataDir, '-U', 'catalogue', '--pwfile', passwordFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-sync']), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const primary = await run(bin, root, dataDir, {});
  const replicas: Running[] = [];
  const createDatabase = async (name: string) => {
    const admin = new pg.Client({ connectionString: `${primary.base}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await admin.end();
    }
    return `${primary.base}/${name}`;
  };
  /** A streaming replica: pg_basebackup -R from the primary, then postgres on its own port. */
  const startReplica = async (): Promise<PostgresReplica> => {
    const replicaRoot = clusterFolder();
    const replicaDir = path.join(replicaRoot, 'data');
    execFileSync(...command(bin, 'pg_basebackup', ['-D', replicaDir, '-R', '-X', 'stream', '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'catalogue', '--checkpoint=fast', '--no-sync']), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PGPASSWORD: PASSWORD },
    });
    const replica = await run(bin, replicaRoot, replicaDir, {});
    replicas.push(replica);
    return { url: `${replica.base}/catalogue`, port: replica.port, stop: replica.stop };
  };
  try {
    const url = await createDatabase('catalogue');
    return {
      url,
      createDatabase,
      startReplica,
      dataDir,
      port: primary.port,
      stop: async () => {
        await Promise.all(replicas.map((r) => r.stop()));
        await primary.stop();
      },
    };
  } catch (error) {
    await primary.stop();
    throw error;
  }
}
