/**
 * Committed consumer-group offsets of the embedded log: one JSON file per group under
 * `<dir>/groups/`, replaced atomically (temporary file + rename) on every change, and kept in
 * memory. The embedded log has no group membership: a group is only its committed offsets,
 * so commits from outside a group always succeed and a group is never "subscribed".
 *
 * Group ids are arbitrary strings, so the file name is a readable, file-system-safe form of the
 * id plus a hash of it; the id itself is stored inside the file.
 */

import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectError } from '@sluice/api';
import type { CommitOffset, GroupOffset, TopicPartition } from '../log-client.ts';
import { isTempFileName, writeFileAtomic } from './fs-util.ts';
import type { RecoveryNote } from './partition-log.ts';

interface GroupFile {
  group: string;
  offsets: GroupOffset[];
}

function key(topic: string, partition: number): string {
  return `${partition}\0${topic}`;
}

function compareOffsets(a: GroupOffset, b: GroupOffset): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/** The file name of a group: a safe, readable prefix of the id and a hash of the whole id. */
export function groupFileName(groupId: string): string {
  const readable = groupId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  const hash = createHash('sha256').update(groupId, 'utf8').digest('hex').slice(0, 16);
  return `${readable}-${hash}.json`;
}

function isGroupOffset(value: unknown): value is GroupOffset {
  const o = value as GroupOffset;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.topic === 'string' &&
    Number.isSafeInteger(o.partition) &&
    Number.isSafeInteger(o.offset) &&
    (o.metadata === null || typeof o.metadata === 'string')
  );
}

export class GroupOffsetStore {
  readonly #dir: string;
  readonly #durable: boolean;
  readonly #groups = new Map<string, Map<string, GroupOffset>>();
  /** The latest write of each group's file; writes of one group run one after another. */
  readonly #writes = new Map<string, Promise<void>>();

  private constructor(dir: string, durable: boolean) {
    this.#dir = dir;
    this.#durable = durable;
  }

  /** Loads every group file of `dir`; unreadable files are set aside (`*.corrupt`) and noted. */
  static async open(dir: string, durable: boolean, recovery: RecoveryNote[]): Promise<GroupOffsetStore> {
    const store = new GroupOffsetStore(dir, durable);
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (isTempFileName(name)) {
        await rm(path, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      let parsed: GroupFile;
      try {
        parsed = JSON.parse(await readFile(path, 'utf8')) as GroupFile;
        if (
          typeof parsed.group !== 'string' ||
          !Array.isArray(parsed.offsets) ||
          !parsed.offsets.every(isGroupOffset)
        ) {
          throw new Error('not a group offsets file');
        }
        if (groupFileName(parsed.group) !== name) throw new Error(`names group ${parsed.group}`);
      } catch (err) {
        await rename(path, `${path}.corrupt`);
        recovery.push({
          file: path,
          message: `unreadable group offsets (${(err as Error).message}); moved to ${name}.corrupt, the group's offsets are lost`,
        });
        continue;
      }
      const offsets = new Map<string, GroupOffset>();
      for (const o of parsed.offsets) offsets.set(key(o.topic, o.partition), o);
      store.#groups.set(parsed.group, offsets);
    }
    return store;
  }

  /** The ids of the groups with committed offsets. */
  groupIds(): string[] {
    return [...this.#groups.keys()];
  }

  fetch(groupId: string, partitions?: TopicPartition[]): GroupOffset[] {
    const offsets = this.#groups.get(groupId);
    if (offsets === undefined) return [];
    let out: GroupOffset[];
    if (partitions === undefined) out = [...offsets.values()];
    else {
      out = [];
      const seen = new Set<string>();
      for (const p of partitions) {
        const k = key(p.topic, p.partition);
        const o = offsets.get(k);
        if (o !== undefined && !seen.has(k)) out.push(o);
        seen.add(k);
      }
    }
    return out.map((o) => ({ ...o })).sort(compareOffsets);
  }

  async commit(groupId: string, commits: CommitOffset[]): Promise<void> {
    for (const c of commits) {
      if (!Number.isSafeInteger(c.offset) || c.offset < 0) {
        throw new ConnectError(
          `Invalid offset ${c.offset} for ${c.topic}-${c.partition} in a commit of group ${groupId}`,
        );
      }
    }
    let offsets = this.#groups.get(groupId);
    if (offsets === undefined) {
      offsets = new Map();
      this.#groups.set(groupId, offsets);
    }
    for (const c of commits) {
      offsets.set(key(c.topic, c.partition), {
        topic: c.topic,
        partition: c.partition,
        offset: c.offset,
        metadata: '',
      });
    }
    await this.#persist(groupId);
  }

  async delete(groupId: string, partitions: TopicPartition[]): Promise<void> {
    const offsets = this.#groups.get(groupId);
    if (offsets === undefined) return;
    for (const p of partitions) offsets.delete(key(p.topic, p.partition));
    if (offsets.size === 0) this.#groups.delete(groupId);
    await this.#persist(groupId);
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    const known = groupIds.filter((g) => this.#groups.delete(g));
    await Promise.all(known.map((g) => this.#persist(g)));
  }

  /** Drops every group's offsets of a deleted topic, as Kafka does. */
  async removeTopic(topic: string): Promise<void> {
    const changed: string[] = [];
    for (const [groupId, offsets] of this.#groups) {
      let touched = false;
      for (const [k, o] of offsets) {
        if (o.topic === topic) {
          offsets.delete(k);
          touched = true;
        }
      }
      if (!touched) continue;
      if (offsets.size === 0) this.#groups.delete(groupId);
      changed.push(groupId);
    }
    await Promise.all(changed.map((g) => this.#persist(g)));
  }

  /** Waits for every file write started so far. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#writes.values()]);
  }

  /** Writes the group's current state (or removes its file), after any earlier write of it. */
  #persist(groupId: string): Promise<void> {
    const previous = this.#writes.get(groupId) ?? Promise.resolve();
    const write = previous
      .catch(() => {})
      .then(async () => {
        const path = join(this.#dir, groupFileName(groupId));
        const offsets = this.#groups.get(groupId);
        if (offsets === undefined) {
          await rm(path, { force: true });
          return;
        }
        const file: GroupFile = { group: groupId, offsets: [...offsets.values()].sort(compareOffsets) };
        await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, this.#durable);
      });
    this.#writes.set(groupId, write);
    void write
      .finally(() => {
        if (this.#writes.get(groupId) === write) this.#writes.delete(groupId);
      })
      .catch(() => {});
    return write.catch((err: unknown) => {
      throw new ConnectError(
        `Could not store the offsets of consumer group ${groupId}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    });
  }
}
