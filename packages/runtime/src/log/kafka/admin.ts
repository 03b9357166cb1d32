/**
 * The admin part of the Kafka {@link LogClient} ({@link LogAdmin}): the cluster id and topics
 * (create, describe with their configs, list, delete), through the library's `Admin`. Topics are
 * created one call each, since the library applies one config list to every topic of a call.
 */

import type { Admin, ClusterMetadata } from '@platformatic/kafka';
import { NotFoundError } from '@sluice/api';
import type {
  CreateTopicResult,
  ListTopicsOptions,
  LogAdmin,
  NewTopic,
  TopicConfigEntry,
  TopicConfigSource,
  TopicDescription,
} from '../log-client.ts';
import { hasKafkaError, isUnknownTopic, toConnectError } from './errors.ts';
import { kafkaLibrary } from './library.ts';
import type { LibraryClients } from './library-clients.ts';

export class KafkaAdmin implements LogAdmin {
  readonly #clients: LibraryClients;

  constructor(clients: LibraryClients) {
    this.#clients = clients;
  }

  async clusterId(): Promise<string> {
    try {
      const metadata = await this.#clients.admin().metadata({ topics: [] });
      return metadata.id;
    } catch (err) {
      throw toConnectError(err, 'Could not read the Kafka cluster id');
    }
  }

  async createTopics(topics: NewTopic[]): Promise<CreateTopicResult[]> {
    const admin = this.#clients.admin();
    // One call per topic: the library applies one config list to every topic of a call.
    const results = await Promise.all(
      topics.map(async (topic): Promise<CreateTopicResult> => {
        try {
          await admin.createTopics({
            topics: [
              {
                topic: topic.name,
                ...(topic.partitions === undefined ? {} : { partitions: topic.partitions }),
                ...(topic.replicationFactor === undefined ? {} : { replicas: topic.replicationFactor }),
              },
            ],
            configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
          });
          return { name: topic.name, created: true };
        } catch (err) {
          if (hasKafkaError(err, 'TOPIC_ALREADY_EXISTS')) return { name: topic.name, created: false };
          throw toConnectError(err, `Could not create topic ${topic.name}`);
        }
      }),
    );
    const created = results.filter((r) => r.created).map((r) => r.name);
    if (created.length > 0) await this.#awaitLeaders(admin, created);
    return results;
  }

  /** Waits (up to 10 s) until every partition of freshly created topics has a leader. */
  async #awaitLeaders(admin: Admin, names: string[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        const metadata = await admin.metadata({ topics: names, forceUpdate: true });
        let ready = true;
        for (const name of names) {
          const topic = metadata.topics.get(name);
          if (topic === undefined || topic.partitions.length < topic.partitionsCount) ready = false;
          else if (topic.partitions.some((p) => p === undefined || p.leader < 0)) ready = false;
        }
        if (ready) return;
      } catch {
        // not visible yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async describeTopics(names: string[]): Promise<Map<string, TopicDescription>> {
    const result = new Map<string, TopicDescription>();
    if (names.length === 0) return result;
    const admin = this.#clients.admin();
    const unique = [...new Set(names)];
    let metadata: ClusterMetadata;
    try {
      // No retries first: the library retries an unknown topic like a transient error.
      metadata = await admin.metadata({ topics: [...unique], forceUpdate: true, retries: 0 });
    } catch (first) {
      if (isUnknownTopic(first)) await throwMissingTopics(this.#clients, unique, first);
      try {
        metadata = await admin.metadata({ topics: [...unique], forceUpdate: true });
      } catch (err) {
        if (isUnknownTopic(err)) await throwMissingTopics(this.#clients, unique, err);
        throw toConnectError(err, `Could not describe topics ${unique.join(', ')}`);
      }
    }
    let configs: Awaited<ReturnType<Admin['describeConfigs']>>;
    try {
      configs = await admin.describeConfigs({
        resources: unique.map((name) => ({
          resourceType: kafkaLibrary().ConfigResourceTypes.TOPIC,
          resourceName: name,
        })),
        includeSynonyms: false,
        includeDocumentation: false,
      });
    } catch (err) {
      if (isUnknownTopic(err)) await throwMissingTopics(this.#clients, unique, err);
      throw toConnectError(err, `Could not describe the configs of topics ${unique.join(', ')}`);
    }
    const configsByTopic = new Map(configs.map((c) => [c.resourceName, c.configs]));
    for (const name of unique) {
      const topic = metadata.topics.get(name);
      if (topic === undefined) throw new NotFoundError(`Topic ${name} does not exist`);
      const partitions = [];
      for (let i = 0; i < topic.partitionsCount; i++) {
        const p = topic.partitions[i];
        partitions.push({
          partition: i,
          leader: p?.leader ?? -1,
          replicas: [...(p?.replicas ?? [])],
          isr: [...(p?.isr ?? [])],
        });
      }
      const topicConfigs: Record<string, TopicConfigEntry> = {};
      for (const c of configsByTopic.get(name) ?? []) {
        topicConfigs[c.name] = {
          value: c.value ?? null,
          source: configSource(c.configSource),
          sensitive: c.isSensitive,
          readOnly: c.readOnly,
        };
      }
      result.set(name, {
        name,
        topicId: topic.id ?? '',
        partitions,
        replicationFactor: partitions[0]?.replicas.length ?? 0,
        configs: topicConfigs,
      });
    }
    return result;
  }

  async listTopics(options: ListTopicsOptions = {}): Promise<string[]> {
    try {
      return await this.#clients.admin().listTopics({ includeInternals: options.includeInternal ?? false });
    } catch (err) {
      throw toConnectError(err, 'Could not list topics');
    }
  }

  async deleteTopics(names: string[]): Promise<void> {
    if (names.length === 0) return;
    try {
      await this.#clients.admin().deleteTopics({ topics: names });
    } catch (err) {
      if (isUnknownTopic(err)) await throwMissingTopics(this.#clients, names, err);
      throw toConnectError(err, `Could not delete topics ${names.join(', ')}`);
    } finally {
      this.#clients.clearRecordMetadata();
    }
  }
}

/** Throws a NotFoundError naming every missing topic among `names`. */
export async function throwMissingTopics(
  clients: LibraryClients,
  names: string[],
  cause: unknown,
): Promise<never> {
  let missing = names;
  try {
    const existing = new Set(await clients.admin().listTopics({ includeInternals: true }));
    missing = names.filter((n) => !existing.has(n));
  } catch {
    // keep all names
  }
  throw new NotFoundError(
    missing.length === 1 ? `Topic ${missing[0]} does not exist` : `Topics ${missing.join(', ')} do not exist`,
    { cause },
  );
}

function configSource(source: number): TopicConfigSource {
  const { ConfigSources } = kafkaLibrary();
  switch (source) {
    case ConfigSources.DYNAMIC_TOPIC_CONFIG:
      return 'topic';
    case ConfigSources.DYNAMIC_BROKER_CONFIG:
      return 'dynamic-broker';
    case ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG:
      return 'dynamic-default-broker';
    case ConfigSources.STATIC_BROKER_CONFIG:
      return 'static-broker';
    case ConfigSources.DEFAULT_CONFIG:
      return 'default';
    default:
      return 'unknown';
  }
}
