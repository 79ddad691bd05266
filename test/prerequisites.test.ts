// The pretest step of `npm test`: what it finds, what it would install, and
// the one line it prints when it cannot install.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchFolder } from './helpers.ts';
import { ROOT } from './ingest-helpers.ts';
import { PREREQUISITES, ensurePrerequisites, existing, missingLine, postgresBinaries, type Prerequisite } from './prerequisites.ts';

const absent = (file: string): Prerequisite => ({ name: file, debianPackage: 'chromium', neededBy: 'the browser tests', find: () => existing(file) });

describe('npm test prerequisites', () => {
  it('finds the newest PostgreSQL bin folder holding initdb, and none under a missing folder', () => {
    const root = scratchFolder();
    for (const [version, initdb] of [['13', true], ['15', true], ['16', false]] as const) {
      mkdirSync(path.join(root, version, 'bin'), { recursive: true });
      if (initdb) writeFileSync(path.join(root, version, 'bin', 'initdb'), '');
    }
    expect(postgresBinaries(root)).toBe(path.join(root, '15', 'bin'));
    expect(postgresBinaries(path.join(root, 'nowhere'))).toBeNull();
  });

  it('as root with apt-get, a dry run lists the Debian install of what is missing and runs nothing', () => {
    const missing = absent(path.join(scratchFolder(), 'chromium'));
    const run = (command: string[]) => {
      throw new Error(`ran ${command.join(' ')}`);
    };
    const outcome = ensurePrerequisites([missing], { root: true, aptGet: true }, { dryRun: true, run });
    expect(outcome).toEqual({
      ran: [['apt-get', 'update'], ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium']],
      lines: [],
    });
  });

  it('installs what is missing, and says nothing once it is there', () => {
    const file = path.join(scratchFolder(), 'chromium');
    const ran: string[][] = [];
    const outcome = ensurePrerequisites([absent(file)], { root: true, aptGet: true }, {
      dryRun: false,
      run: (command) => {
        ran.push(command);
        if (command[1] === 'install') writeFileSync(file, '');
      },
    });
    expect(ran.map((c) => c[1])).toEqual(['update', 'install']);
    expect(outcome.lines).toEqual([]);
  });

  it('without root or apt-get, or when apt-get fails, prints one line naming what is missing and how to get it', () => {
    const missing = absent(path.join(scratchFolder(), 'chromium'));
    const line = `${missing.name} is missing: the browser tests skip; install it with \`sudo apt-get install --no-install-recommends chromium\` (Debian/Ubuntu)`;
    expect(missingLine(missing)).toBe(line);
    expect(ensurePrerequisites([missing], { root: false, aptGet: true }, { dryRun: false })).toEqual({ ran: [], lines: [line] });
    expect(ensurePrerequisites([missing], { root: true, aptGet: false }, { dryRun: false })).toEqual({ ran: [], lines: [line] });
    const failing = ensurePrerequisites([missing], { root: true, aptGet: true }, {
      dryRun: false,
      run: () => {
        throw new Error('E: Unable to locate package chromium');
      },
    });
    expect(failing).toEqual({ ran: [['apt-get', 'update']], lines: [line] });
  });

  it('the pretest script, as npm test runs it, reports exactly what this machine lacks', () => {
    const stdout = execFileSync('node', ['--import', 'tsx', 'test/prerequisites.ts', '--dry-run'], { cwd: ROOT, encoding: 'utf8' });
    const missing = PREREQUISITES.filter((p) => p.find() === null);
    const root = process.getuid?.() === 0;
    const expected = missing.length === 0 ? '' : root
      ? `would run: apt-get update\nwould run: apt-get install -y --no-install-recommends ${missing.map((p) => p.debianPackage).join(' ')}\n`
      : missing.map((p) => `${missingLine(p)}\n`).join('');
    expect(stdout).toBe(expected);
  });
});
