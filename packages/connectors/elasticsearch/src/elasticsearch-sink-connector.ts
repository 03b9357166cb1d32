import {
  Config,
  type ConfigDef,
  type ConfigValue,
  SinkConnector,
  type StringMap,
  type TaskClass,
} from '@sluice/api';
import { CONNECTION_URL, ES_CONFIG_DEF, OPENSEARCH_CONFIG_DEF, readSettings, unknownKeys } from './config.ts';
import { ElasticsearchSinkTask, OpenSearchSinkTask } from './elasticsearch-sink-task.ts';
import { errorReason, HttpStatusError, SearchHttpClient } from './http-client.ts';
import { runtimeLogger, type TaskLogger } from './task-log.ts';
import { VERSION } from './version.ts';

/**
 * Confluent's `io.confluent.connect.elasticsearch.ElasticsearchSinkConnector`: writes records to
 * Elasticsearch 7/8/9 or OpenSearch 1/2/3 indices (or data streams) through the `_bulk` API.
 */
export class ElasticsearchSinkConnector extends SinkConnector {
  static readonly javaClass: string = 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector';
  static readonly aliases: readonly string[] = [
    'ElasticsearchSinkConnector',
    'ElasticsearchSink',
    'Elasticsearch',
  ];

  protected readonly aiven: boolean = false;
  logger: TaskLogger = runtimeLogger('io.confluent.connect.elasticsearch.ElasticsearchSinkConnector');
  #props: StringMap = {};

  version(): string {
    return VERSION;
  }

  /**
   * Checks the configuration and says once, in the log, which keys are unknown (with the key the
   * user probably meant: `schema.enable` → `schema.ignore`).
   * @throws ConfigError naming the key when the configuration is invalid
   */
  start(props: StringMap): void {
    readSettings(props, this.aiven);
    for (const { key, hint } of unknownKeys(props, this.config())) {
      this.logger.warn(
        `Unknown configuration '${key}' is ignored${hint === null ? '' : ` (did you mean '${hint}'?)`}`,
      );
    }
    this.#props = { ...props };
  }

  taskClass(): TaskClass {
    return this.aiven ? OpenSearchSinkTask : ElasticsearchSinkTask;
  }

  taskConfigs(maxTasks: number): StringMap[] {
    return Array.from({ length: maxTasks }, () => ({ ...this.#props }));
  }

  stop(): void {}

  config(): ConfigDef {
    return this.aiven ? OPENSEARCH_CONFIG_DEF : ES_CONFIG_DEF;
  }

  /**
   * Validates each key and, when they are valid, that the server answers `GET /` with these
   * credentials; a connection problem is reported on `connection.url`.
   */
  override async validate(connectorConfigs: StringMap): Promise<Config> {
    const values = this.config().validateAll(connectorConfigs);
    const url = values.get(CONNECTION_URL);
    if (url !== undefined && [...values.values()].every((v) => v.errorMessages.length === 0)) {
      // Combinations of keys (e.g. a data stream type without a dataset), reported on the key named.
      try {
        readSettings(connectorConfigs, this.aiven);
      } catch (err) {
        const named = /configuration ([\w.]+)/.exec((err as Error).message)?.[1];
        (values.get(named ?? '') ?? url).addErrorMessage((err as Error).message);
        return new Config([...values.values()]);
      }
      await checkConnection(connectorConfigs, url, this.aiven);
    }
    return new Config([...values.values()]);
  }
}

async function checkConnection(props: StringMap, url: ConfigValue, aiven: boolean): Promise<void> {
  let client: SearchHttpClient;
  try {
    client = new SearchHttpClient(readSettings(props, aiven));
  } catch (err) {
    url.addErrorMessage((err as Error).message);
    return;
  }
  try {
    await client.serverInfo();
  } catch (err) {
    if (err instanceof HttpStatusError && (err.status === 401 || err.status === 403)) {
      url.addErrorMessage(
        `Could not authenticate with ${client.describe()} (${err.status}): check connection.username and connection.password: ${errorReason(err.body)}`,
      );
    } else {
      url.addErrorMessage(`Could not connect to ${client.describe()}: ${(err as Error).message}`);
    }
  } finally {
    client.close();
  }
}

/**
 * Aiven's `io.aiven.kafka.connect.opensearch.OpenSearchSinkConnector` (also under its older name
 * `OpensearchSinkConnector`): the same sink with Aiven's keys and defaults.
 */
export class OpenSearchSinkConnector extends ElasticsearchSinkConnector {
  static override readonly javaClass: string = 'io.aiven.kafka.connect.opensearch.OpenSearchSinkConnector';
  static override readonly aliases: readonly string[] = [
    'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector',
    'OpenSearchSinkConnector',
    'OpensearchSinkConnector',
    'OpenSearchSink',
    'OpenSearch',
  ];
  protected override readonly aiven: boolean = true;
  override logger: TaskLogger = runtimeLogger('io.aiven.kafka.connect.opensearch.OpensearchSinkConnector');
}
