/**
 * The members of a tar file on disk, by name, with where their bytes lie: what reading a `docker
 * save` archive needs, since its manifest.json (which says which members are layers, in which
 * order) usually comes after the layers. Only headers are read; member bytes are skipped with
 * seeks. Understands ustar (name + prefix), GNU long names ('L') and PAX extended headers ('x':
 * path, size), which is what docker, podman and the Go and Node tar writers produce.
 */
import { open } from 'node:fs/promises';
import { ImageReadError } from './streams.js';

export interface TarMember {
  name: string;
  /** Offset of the first content byte. */
  offset: number;
  size: number;
  type: string;
  /** Symlink ('2') and hard link ('1') members: the member they point to (docker save links a repeated layer to its first copy). */
  linkname?: string;
}

const BLOCK = 512;

function field(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function octal(block: Buffer, start: number, length: number): number {
  // Base-256 (GNU) for sizes of 8 GiB and more: high bit of the first byte set.
  if (block[start] & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + block[i];
    return v;
  }
  const text = field(block, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(data.toString('utf8', at, space), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return out;
}

export async function indexTar(file: string, maxMembers: number): Promise<Map<string, TarMember>> {
  const handle = await open(file, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const members = new Map<string, TarMember>();
    const block = Buffer.alloc(BLOCK);
    let position = 0;
    let longName: string | undefined;
    let pax = new Map<string, string>();
    let count = 0;
    while (position + BLOCK <= fileSize) {
      const { bytesRead } = await handle.read(block, 0, BLOCK, position);
      if (bytesRead < BLOCK) break;
      if (block.every((b) => b === 0)) break;
      const magic = block.toString('latin1', 257, 262);
      let checksum = 0;
      for (let i = 0; i < BLOCK; i++) checksum += i >= 148 && i < 156 ? 0x20 : block[i];
      if (octal(block, 148, 8) !== checksum) throw new ImageReadError(`${file}: not a tar archive (bad header checksum at byte ${position})`);
      const type = String.fromCharCode(block[156] || 0x30);
      let size = octal(block, 124, 12);
      const dataStart = position + BLOCK;
      if (type === 'L' || type === 'x') {
        if (size > 1024 * 1024) throw new ImageReadError(`${file}: an extended tar header of ${size} bytes`);
        const data = Buffer.alloc(size);
        await handle.read(data, 0, size, dataStart);
        if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
        else pax = paxRecords(data);
      } else if (type !== 'g') {
        let name = field(block, 0, 100);
        if (magic === 'ustar') {
          const prefix = field(block, 345, 155);
          if (prefix) name = `${prefix}/${name}`;
        }
        name = pax.get('path') ?? longName ?? name;
        if (pax.has('size')) size = Number(pax.get('size'));
        if (++count > maxMembers) throw new ImageReadError(`${file}: more than ${maxMembers} members (--max-entries)`);
        const normalised = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
        const member: TarMember = { name: normalised, offset: dataStart, size, type };
        const link = pax.get('linkpath') ?? field(block, 157, 100);
        if ((type === '1' || type === '2') && link) member.linkname = link;
        members.set(normalised, member);
        longName = undefined;
        pax = new Map();
      }
      position = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    }
    return members;
  } finally {
    await handle.close();
  }
}
