/**
 * The folders a server's rescore jobs may read (`--input-root DIR`, DESIGN "Real-time path").
 * A job's input and config must resolve — realpath, and every entry of a folder too — inside one
 * of them, and be regular files: a FIFO blocks its reader forever, a device or socket is no data,
 * and a symlink may lead anywhere. The check runs before any byte is read, so a refusal can never
 * quote a file; it names only the path the client gave (capped).
 *
 * The engine's readers walk the folder again when the job runs: someone who can write inside a
 * root could swap an entry in between. The roots are the operator's folders, so that window is
 * accepted; the job is handed the resolved real path so the top-level path cannot be swapped.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ArgumentError, InputForbiddenError, InputNotFoundError } from '../engine/errors.js';

/** Longest path quoted in a message. */
const MAX_QUOTED_PATH = 160;

/** Entries below an input folder checked at most (a bound on the check's work). */
const MAX_ENTRIES = 1_000_000;

/** `path` as it may appear in a message: printable and capped. */
export function quotePath(path: string): string {
  const printable = path.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > MAX_QUOTED_PATH ? `${printable.slice(0, MAX_QUOTED_PATH)}...` : printable;
}

function kindOf(info: Stats | Dirent): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The input roots of one server. */
export class InputRoots {
  private constructor(readonly roots: readonly string[]) {}

  /**
   * Resolves the roots: every `dirs` entry must be a folder; `defaultInput` (the server's
   * `--rescore-input`) adds itself when a folder, else the folder it lies in.
   */
  static async open(dirs: readonly string[], defaultInput?: string): Promise<InputRoots> {
    const roots: string[] = [];
    for (const dir of dirs) {
      let real: string;
      try {
        real = await realpath(dir);
      } catch {
        throw new ArgumentError(`--input-root ${quotePath(dir)}: no such folder`);
      }
      if (!(await stat(real)).isDirectory()) throw new ArgumentError(`--input-root ${quotePath(dir)} is not a folder`);
      roots.push(real);
    }
    if (defaultInput !== undefined) {
      const info = await stat(defaultInput).catch(() => null);
      const folder = info?.isDirectory() ? defaultInput : dirname(resolve(defaultInput));
      const real = await realpath(folder).catch(() => null);
      if (real === null) throw new ArgumentError(`--rescore-input ${quotePath(defaultInput)}: its folder does not exist`);
      roots.push(real);
    }
    return new InputRoots([...new Set(roots)]);
  }

  /** True when `real` (a resolved path) is a root or lies below one. */
  contains(real: string): boolean {
    return this.roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep));
  }

  /**
   * The real path of a job's `input` (a file or a folder of files) or `config` (a file) once
   * every part of it is confined; InputForbiddenError otherwise, InputNotFoundError when a path
   * inside the roots does not exist.
   */
  async confine(path: string, what: 'input' | 'config'): Promise<string> {
    const shown = quotePath(path);
    if (this.roots.length === 0) {
      throw new InputForbiddenError(`${what} ${shown}: this server reads no files for jobs; start it with --input-root DIR (or --rescore-input)`);
    }
    if (path === '-') throw new InputForbiddenError(`${what} -: a job cannot read standard input`);
    const given = resolve(path);
    let real: string;
    try {
      real = await realpath(given);
    } catch {
      // Say "not found" only where the client may look; elsewhere a missing and an existing
      // file answer alike, so the answer tells nothing about the rest of the file system.
      if (this.contains(given)) throw new InputNotFoundError(`${what} ${shown}: no such file or folder (or a symlink that leads nowhere)`);
      throw this.outside(what, shown);
    }
    if (!this.contains(real)) throw this.outside(what, shown);
    const info = await stat(real);
    if (info.isFile()) return real;
    if (!info.isDirectory()) throw new InputForbiddenError(`${what} ${shown} is ${kindOf(info)}; jobs read regular files only`);
    if (what === 'config') throw new InputForbiddenError(`config ${shown} is a folder; name a JSON file`);
    await this.walk(real, real, shown, new Set([real]), { entries: 0 });
    return real;
  }

  private outside(what: string, shown: string): InputForbiddenError {
    return new InputForbiddenError(`${what} ${shown} is outside the server's input roots (--input-root)`);
  }

  /**
   * Checks every entry below `dir` (a real path), following symlinks, each of which must stay
   * inside the roots; `seen` holds the folders walked, so a symlink cycle ends.
   */
  private async walk(dir: string, top: string, shown: string, seen: Set<string>, count: { entries: number }): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (++count.entries > MAX_ENTRIES) throw new InputForbiddenError(`input ${shown} holds more than ${MAX_ENTRIES} entries`);
      const path = join(dir, entry.name);
      const where = `input ${shown}: entry ${quotePath(relative(top, path))}`;
      if (entry.isFile()) continue;
      if (entry.isDirectory()) {
        await this.walkOnce(path, top, shown, seen, count);
        continue;
      }
      if (!entry.isSymbolicLink()) throw new InputForbiddenError(`${where} is ${kindOf(entry)}; jobs read regular files only`);
      let real: string;
      try {
        real = await realpath(path);
      } catch {
        throw new InputNotFoundError(`${where} is a symlink that leads nowhere (dangling or a loop)`);
      }
      if (!this.contains(real)) throw new InputForbiddenError(`${where} is a symlink that leads outside the server's input roots`);
      const info = await stat(real);
      if (info.isDirectory()) await this.walkOnce(real, top, shown, seen, count);
      else if (!info.isFile()) throw new InputForbiddenError(`${where} leads to ${kindOf(info)}; jobs read regular files only`);
    }
  }

  private async walkOnce(real: string, top: string, shown: string, seen: Set<string>, count: { entries: number }): Promise<void> {
    if (seen.has(real)) return;
    seen.add(real);
    await this.walk(real, top, shown, seen, count);
  }
}
