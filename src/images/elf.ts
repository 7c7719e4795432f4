/**
 * Where a Go executable's build information lies, found the way Go's debug/buildinfo finds it in an
 * ELF file with random access (a file on disk, not a layer stream): the `.go.buildinfo` section, or
 * else the first writable, non-executable PT_LOAD segment; the blob is the first 16-byte-aligned
 * magic within 64 KiB of its start. Only the headers and that window are read, so a root file
 * system's executables cost a few small reads each instead of a full read.
 */
import type { FileHandle } from 'node:fs/promises';
import { GO_BUILDINFO_MAGIC, GO_BUILDINFO_WINDOW } from '../packages/go-buildinfo.js';

const MAX_HEADER_TABLE = 4 * 1024 * 1024;
const MAX_SECTION_NAMES = 1024 * 1024;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The data from the build information's magic (up to 64 KiB), undefined when the file is not a Go ELF executable. */
export async function goBuildInfoWindow(handle: FileHandle): Promise<Buffer | undefined> {
  const head = await readAt(handle, 0, 64);
  if (head.length < 52 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  if ((!is64 && head[4] !== 1) || (!le && head[5] !== 2) || (is64 && head.length < 64)) return undefined;
  const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const word = (b: Buffer, o: number): number => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));

  let start: number | undefined;
  // The section, by name.
  const shoff = word(head, is64 ? 40 : 32);
  const shentsize = u16(head, is64 ? 58 : 46);
  const shnum = u16(head, is64 ? 60 : 48);
  const shstrndx = u16(head, is64 ? 62 : 50);
  if (shoff > 0 && shnum > 0 && shentsize >= (is64 ? 64 : 40) && shnum * shentsize <= MAX_HEADER_TABLE && shstrndx < shnum) {
    const table = await readAt(handle, shoff, shnum * shentsize);
    if (table.length === shnum * shentsize) {
      const offsetOf = (i: number): number => word(table, i * shentsize + (is64 ? 24 : 16));
      const sizeOf = (i: number): number => word(table, i * shentsize + (is64 ? 32 : 20));
      const namesSize = Math.min(sizeOf(shstrndx), MAX_SECTION_NAMES);
      const names = await readAt(handle, offsetOf(shstrndx), namesSize);
      for (let i = 0; i < shnum; i++) {
        const nameAt = u32(table, i * shentsize);
        const end = names.indexOf(0, nameAt);
        if (nameAt < names.length && end !== -1 && names.toString('latin1', nameAt, end) === '.go.buildinfo') {
          start = offsetOf(i);
          break;
        }
      }
    }
  }
  // Else the first writable, non-executable loadable segment.
  if (start === undefined) {
    const phoff = word(head, is64 ? 32 : 28);
    const phentsize = u16(head, is64 ? 54 : 42);
    const phnum = u16(head, is64 ? 56 : 44);
    if (phoff === 0 || phnum === 0 || phentsize < (is64 ? 56 : 32) || phnum * phentsize > MAX_HEADER_TABLE) return undefined;
    const table = await readAt(handle, phoff, phnum * phentsize);
    for (let i = 0; i < phnum && (i + 1) * phentsize <= table.length; i++) {
      const at = i * phentsize;
      const type = u32(table, at);
      const flags = u32(table, at + (is64 ? 4 : 24));
      // PT_LOAD with PF_W and not PF_X.
      if (type === 1 && (flags & 3) === 2) {
        start = word(table, at + (is64 ? 8 : 4));
        break;
      }
    }
  }
  if (start === undefined) return undefined;
  let data = await readAt(handle, start, GO_BUILDINFO_WINDOW);
  // As Go: the first magic at a 16-byte-aligned position of the window (the window's start is aligned).
  for (;;) {
    const i = data.indexOf(GO_BUILDINFO_MAGIC);
    if (i < 0 || data.length - i < 32) return undefined;
    if (i % 16 === 0) return data.subarray(i);
    data = data.subarray((i + 15) & ~15);
  }
}
