/**
 * File access for CIBs: the only part of @vigil/cib that touches the disk.
 */
import { readFile, writeFile, rename, stat } from 'node:fs/promises';
import { VigilError } from '@vigil/base';
import { readCib, type ReadCibOptions, type ReadCibResult } from '../model/reader.js';
import { writeCib } from '../model/writer.js';
import type { Cib } from '../model/types.js';
import { DEFAULT_XML_LIMITS } from '../xml/types.js';

/** Largest CIB file read, in bytes (the XML parser has its own character limit too). */
export const MAX_CIB_FILE_BYTES = DEFAULT_XML_LIMITS.maxInputChars;

function ioError(path: string, what: string, e: unknown): VigilError {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') {
    return new VigilError(
      'VGL_E_NOT_FOUND',
      `CIB file ${path} does not exist`,
      { path },
      { cause: e },
    );
  }
  return new VigilError(
    'VGL_E_IO',
    `cannot ${what} CIB file ${path}: ${(e as Error).message}`,
    { path, code },
    { cause: e },
  );
}

/** Adds the file name to a parse or validation error's message. */
function withPath(path: string, e: unknown): unknown {
  if (e instanceof VigilError && (e.code === 'VGL_E_PARSE' || e.code === 'VGL_E_CIB_INVALID')) {
    return new VigilError(e.code, `${path}: ${e.message}`, { ...e.details, path }, { cause: e });
  }
  return e;
}

/** Reads and validates a CIB XML file. */
export async function readCibFile(
  path: string,
  options: ReadCibOptions = {},
): Promise<ReadCibResult> {
  let text: string;
  try {
    const st = await stat(path);
    if (st.size > MAX_CIB_FILE_BYTES) {
      throw new VigilError(
        'VGL_E_LIMIT',
        `CIB file ${path} is ${st.size} bytes, more than ${MAX_CIB_FILE_BYTES}`,
        {
          path,
          bytes: st.size,
        },
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw ioError(path, 'read', e);
  }
  try {
    return readCib(text, options);
  } catch (e) {
    throw withPath(path, e);
  }
}

/** Writes a CIB as XML, atomically (temporary file then rename). */
export async function writeCibFile(path: string, cib: Cib): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, writeCib(cib), 'utf8');
    await rename(tmp, path);
  } catch (e) {
    throw ioError(path, 'write', e);
  }
}
