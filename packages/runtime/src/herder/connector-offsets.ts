/**
 * The offsets API of both herders, written once (Kafka keeps it in `Worker` / `AbstractHerder`):
 * `GET`, `PATCH` and `DELETE /connectors/{c}/offsets` for source connectors (the offset store)
 * and sink connectors (the connector's consumer group, {@link sinkGroupId}). The herders check
 * that the connector exists and is stopped (or, in distributed mode, that this worker leads) and
 * hand the connector's config to these functions.
 */
import {
  BadRequestError,
  type Connector,
  SinkConnector,
  type SourceMap,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { sinkGroupId } from '../config/connector-config.ts';
import type { LogClient } from '../log/log-client.ts';
import { type OffsetBackingStore, offsetKey, parseOffsetKey } from '../storage/offset-store.ts';
import type { Worker } from '../worker/worker.ts';
import type { ConnectorOffsets, Message } from './entities.ts';

/** What the offsets API works on: the log (sink groups), the source offset store and the worker. */
export interface OffsetsContext {
  readonly log: LogClient;
  readonly offsets: OffsetBackingStore;
  readonly worker: Worker;
}

/** Kafka's 400 when the offsets of a connector that is not STOPPED are to be changed. */
export function stoppedOffsetsMessage(name: string): string {
  return (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/" +
    `${name}/stop' endpoint`
  );
}

/** `GET /connectors/{c}/offsets`. */
export async function readOffsets(
  ctx: OffsetsContext,
  name: string,
  config: Record<string, string>,
): Promise<ConnectorOffsets> {
  if (ctx.worker.connectorType(config) === 'sink') {
    const offsets = await ctx.log.fetchGroupOffsets(sinkGroupId(name, config));
    return {
      offsets: offsets.map((o) => ({
        partition: { kafka_topic: o.topic, kafka_partition: o.partition },
        offset: { kafka_offset: o.offset },
      })),
    };
  }
  const keys = await ctx.offsets.keysOf(name);
  const values = await ctx.offsets.get(keys);
  const offsets: ConnectorOffsets['offsets'] = [];
  for (const key of keys) {
    const parsed = parseOffsetKey(key);
    const value = values.get(key);
    if (parsed === null || value === undefined) continue;
    offsets.push({
      partition: { ...parsed.partition },
      offset: JSON.parse(value) as Record<string, unknown>,
    });
  }
  return { offsets };
}

/** `PATCH /connectors/{c}/offsets`, for a connector already known to be stopped. */
export async function alterOffsets(
  ctx: OffsetsContext,
  name: string,
  config: Record<string, string>,
  offsets: ConnectorOffsets,
): Promise<Message> {
  if (!Array.isArray(offsets?.offsets) || offsets.offsets.length === 0) {
    throw new BadRequestError('The offsets to be altered must not be empty');
  }
  const connector = ctx.worker.newConnector(config);
  if (connector instanceof SinkConnector) {
    const parsed = parseSinkOffsets(offsets);
    const accepted = await connector.alterOffsets(config, parsed);
    const group = sinkGroupId(name, config);
    const toCommit = [...parsed]
      .filter(([, o]) => o !== null)
      .map(([tp, o]) => ({ topic: tp.topic, partition: tp.partition, offset: o! }));
    const toDelete = [...parsed]
      .filter(([, o]) => o === null)
      .map(([tp]) => ({ topic: tp.topic, partition: tp.partition }));
    if (toCommit.length > 0) await ctx.log.commitGroupOffsets(group, toCommit);
    if (toDelete.length > 0) await ctx.log.deleteGroupOffsets(group, toDelete);
    return { message: alteredMessage(accepted, 'altered') };
  }
  const parsed = parseSourceOffsets(offsets);
  const accepted = await alterSource(connector, config, parsed);
  await ctx.offsets.set(
    new Map(
      parsed.map((p) => [offsetKey(name, p.partition), p.offset === null ? null : JSON.stringify(p.offset)]),
    ),
  );
  return { message: alteredMessage(accepted, 'altered') };
}

/** `DELETE /connectors/{c}/offsets`, for a connector already known to be stopped. */
export async function resetOffsets(
  ctx: OffsetsContext,
  name: string,
  config: Record<string, string>,
): Promise<Message> {
  const connector = ctx.worker.newConnector(config);
  if (connector instanceof SinkConnector) {
    const group = sinkGroupId(name, config);
    const current = await ctx.log.fetchGroupOffsets(group);
    const parsed = new TopicPartitionMap<number | null>(
      current.map((c) => [new TopicPartition(c.topic, c.partition), null]),
    );
    const accepted = await connector.alterOffsets(config, parsed);
    await ctx.log.deleteGroups([group]);
    return { message: alteredMessage(accepted, 'reset') };
  }
  const keys = await ctx.offsets.keysOf(name);
  const partitions = keys.map((k) => ({ partition: parseOffsetKey(k)!.partition, offset: null }));
  const accepted = await alterSource(connector, config, partitions);
  await ctx.offsets.set(new Map(keys.map((k) => [k, null])));
  return { message: alteredMessage(accepted, 'reset') };
}

export function alteredMessage(accepted: boolean, verb: 'altered' | 'reset'): string {
  return accepted
    ? `The offsets for this connector have been ${verb} successfully`
    : `The Connect framework-managed offsets for this connector have been ${verb} successfully. However, if this connector manages offsets externally, they will need to be manually ${verb} in the system that the connector uses.`;
}

export function isPrimitive(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

export function parseSourceOffsets(
  offsets: ConnectorOffsets,
): Array<{ partition: SourceMap; offset: SourceMap | null }> {
  return offsets.offsets.map((o) => {
    if (o.partition === null || typeof o.partition !== 'object' || Array.isArray(o.partition)) {
      throw new BadRequestError('Source partitions must be non-null JSON objects');
    }
    for (const v of Object.values(o.partition)) {
      if (!isPrimitive(v))
        throw new BadRequestError('Source partition values must be primitive (string, number or boolean)');
    }
    if (o.offset !== null) {
      if (typeof o.offset !== 'object' || Array.isArray(o.offset))
        throw new BadRequestError('Source offsets must be JSON objects or null');
      for (const v of Object.values(o.offset)) {
        if (!isPrimitive(v))
          throw new BadRequestError('Source offset values must be primitive (string, number or boolean)');
      }
    }
    return { partition: o.partition, offset: o.offset };
  });
}

export function parseSinkOffsets(offsets: ConnectorOffsets): TopicPartitionMap<number | null> {
  const out = new TopicPartitionMap<number | null>();
  for (const o of offsets.offsets) {
    if (o.partition?.kafka_topic === undefined || o.partition?.kafka_partition === undefined) {
      throw new BadRequestError(
        "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
      );
    }
    const topic = o.partition.kafka_topic;
    const partition = Number(o.partition?.kafka_partition);
    if (typeof topic !== 'string' || topic === '') {
      throw new BadRequestError(
        'Kafka topic must be specified in the sink connector partition as a non-empty string under the key kafka_topic',
      );
    }
    if (!Number.isInteger(partition) || partition < 0) {
      throw new BadRequestError(
        'Kafka partition must be specified in the sink connector partition as a non-negative integer under the key kafka_partition',
      );
    }
    let offset: number | null = null;
    if (o.offset !== null) {
      offset = Number(o.offset?.kafka_offset);
      if (!Number.isInteger(offset) || offset < 0) {
        throw new BadRequestError(
          'Kafka offset must be specified in the sink connector offset as a non-negative integer under the key kafka_offset',
        );
      }
    }
    out.set(new TopicPartition(topic, partition), offset);
  }
  return out;
}

export async function alterSource(
  connector: Connector,
  config: Record<string, string>,
  offsets: Array<{ partition: SourceMap; offset: SourceMap | null }>,
): Promise<boolean> {
  const c = connector as unknown as {
    alterOffsets(config: Record<string, string>, offsets: unknown): Promise<boolean> | boolean;
  };
  return c.alterOffsets(config, offsets);
}
