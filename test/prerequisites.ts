// What the tests need beyond npm: Debian's Chromium (browser tests) and the
// PostgreSQL binaries. `npm test` runs this first (pretest): as root with
// apt-get it installs what is missing from Debian (never a downloaded
// browser); otherwise it says in one line what is missing and how to get it,
// and the tests that need it skip with that reason.
//   node --import tsx test/prerequisites.ts [--dry-run]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Prerequisite {
  name: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  neededBy: string;
  /** Where it is installed, or null. */
  find(): string | null;
}

/** The path, if it exists. */
export const existing = (file: string): string | null => (existsSync(file) ? file : null);

/** The first /usr/lib/postgresql/<version>/bin that holds initdb, newest version first. */
export function postgresBinaries(root = '/usr/lib/postgresql'): string | null {
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return null;
}

export const CHROMIUM: Prerequisite = {
  name: '/usr/bin/chromium',
  debianPackage: 'chromium',
  neededBy: 'the browser tests',
  find: () => existing('/usr/bin/chromium'),
};

export const POSTGRESQL: Prerequisite = {
  name: 'PostgreSQL (/usr/lib/postgresql/*/bin/initdb)',
  debianPackage: 'postgresql',
  neededBy: 'the PostgreSQL tests',
  find: () => postgresBinaries(),
};

export const PREREQUISITES = [CHROMIUM, POSTGRESQL];

/** The one line that says what is missing, what skips, and how to get it. */
export const missingLine = (p: Prerequisite): string =>
  `${p.name} is missing: ${p.neededBy} skip; install it with \`sudo apt-get install --no-install-recommends ${p.debianPackage}\` (Debian/Ubuntu)`;

/** Why a test needing `p` skips, or null when it can run. */
export const skipReason = (p: Prerequisite): string | null => (p.find() === null ? missingLine(p) : null);

export interface Machine {
  root: boolean;
  aptGet: boolean;
}

export const thisMachine = (): Machine => ({
  root: process.getuid?.() === 0,
  aptGet: existsSync('/usr/bin/apt-get'),
});

/** The commands that install `missing` on `machine`, or null when it cannot install them. */
export function installCommands(missing: Prerequisite[], machine: Machine): string[][] | null {
  if (missing.length === 0) return [];
  if (!machine.root || !machine.aptGet) return null;
  return [
    ['apt-get', 'update'],
    ['apt-get', 'install', '-y', '--no-install-recommends', ...missing.map((p) => p.debianPackage)],
  ];
}

export interface Outcome {
  /** The commands run (or, in a dry run, that would run). */
  ran: string[][];
  /** One line per prerequisite still missing. */
  lines: string[];
}

/** Installs what is missing when it can; says what is still missing. */
export function ensurePrerequisites(
  prerequisites: Prerequisite[],
  machine: Machine,
  options: { dryRun: boolean; run?: (command: string[]) => void },
): Outcome {
  const missing = prerequisites.filter((p) => p.find() === null);
  const commands = installCommands(missing, machine);
  const ran: string[][] = [];
  if (commands && commands.length > 0) {
    const run = options.run ?? ((command: string[]) => execFileSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] }));
    try {
      for (const command of commands) {
        ran.push(command);
        if (!options.dryRun) run(command);
      }
    } catch {
      // apt-get said why on stderr; the lines below say what is still missing.
    }
    if (options.dryRun) return { ran, lines: [] };
  }
  return { ran, lines: missing.filter((p) => p.find() === null).map(missingLine) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dryRun = process.argv.includes('--dry-run');
  const outcome = ensurePrerequisites(PREREQUISITES, thisMachine(), { dryRun });
  if (dryRun) for (const command of outcome.ran) process.stdout.write(`would run: ${command.join(' ')}\n`);
  else if (outcome.ran.length > 0 && outcome.lines.length === 0) process.stdout.write(`installed from Debian: ${outcome.ran.at(-1)!.slice(4).join(' ')}\n`);
  for (const line of outcome.lines) process.stdout.write(`${line}\n`);
}
