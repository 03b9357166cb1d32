import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { parseListener, WORKER_CONFIG_DEF, WorkerConfig } from '../../src/config/worker-config.ts';

const CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
};

function worker(props: Record<string, string> = {}): WorkerConfig {
  return new WorkerConfig({ ...CONVERTERS, ...props });
}

function throwsConfigError(fn: () => unknown, message: string, key?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.message, message);
    if (key !== undefined) assert.equal(e.key, key);
    return true;
  });
}

describe('WorkerConfig defaults', () => {
  test('a minimal worker: Kafka defaults, the embedded log, and its offsets file', () => {
    const config = worker();
    assert.deepEqual(config.values(), {
      'bootstrap.servers': null,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'task.shutdown.graceful.timeout.ms': 5000,
      'offset.flush.interval.ms': 60000,
      'offset.flush.timeout.ms': 5000,
      'plugin.path': null,
      'plugin.discovery': 'hybrid_warn',
      'metrics.sample.window.ms': 30000,
      'metrics.num.samples': 2,
      'metrics.recording.level': 'INFO',
      'metric.reporters': ['org.apache.kafka.common.metrics.JmxReporter'],
      'header.converter': 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
      'config.providers': [],
      'connector.client.config.override.policy': 'All',
      'topic.creation.enable': true,
      'topic.tracking.enable': true,
      'topic.tracking.allow.reset': true,
      listeners: ['http://:8083'],
      'rest.advertised.host.name': null,
      'rest.advertised.port': null,
      'rest.advertised.listener': null,
      'access.control.allow.origin': '',
      'access.control.allow.methods': '',
      'response.http.headers.config': '',
      'rest.extension.classes': [],
      'admin.listeners': null,
      'offset.storage.file.filename': join('./sluice-data', 'connect.offsets'),
      'embedded.log.dir': './sluice-data',
      'log.format': 'text',
      // Sluice's REST security keys and metrics switch (config/rest-security-config.ts).
      'rest.mask.passwords': false,
      'rest.auth.tokens.file': null,
      'rest.auth.jwt.jwks.file': null,
      'rest.auth.jwt.jwks.url': null,
      'rest.auth.jwt.issuer': null,
      'rest.auth.jwt.audience': null,
      'rest.auth.jwt.roles.claim': 'roles',
      'rest.auth.jwt.principal.claim': 'sub',
      'rest.auth.jwt.algorithms': [
        'RS256',
        'RS384',
        'RS512',
        'PS256',
        'PS384',
        'PS512',
        'ES256',
        'ES384',
        'ES512',
        'EdDSA',
      ],
      'rest.auth.jwt.clock.skew.seconds': 30,
      'rest.auth.user.roles': null,
      'java.security.auth.login.config': null,
      'metrics.enable': true,
    });
    assert.equal(config.usesEmbeddedLog(), true);
    assert.equal(config.bootstrapServers(), null);
    assert.equal(config.embeddedLogDir(), './sluice-data');
    assert.equal(config.offsetStorageFileName(), 'sluice-data/connect.offsets');
    assert.equal(config.offsetCommitIntervalMs(), 60000);
    assert.equal(config.offsetCommitTimeoutMs(), 5000);
    assert.equal(config.taskShutdownGracefulTimeoutMs(), 5000);
    assert.deepEqual(config.listeners(), [{ protocol: 'http', host: '', port: 8083 }]);
    assert.equal(config.adminListeners(), null);
  });

  test('bootstrap.servers has no default (unlike Kafka) and the key is documented as Sluice’s choice', () => {
    const key = WORKER_CONFIG_DEF.configKeys().get('bootstrap.servers');
    assert.equal(key?.defaultValue, null);
    assert.match(key?.documentation ?? '', /embedded, file-backed log/);
    const embedded = WORKER_CONFIG_DEF.configKeys().get('embedded.log.dir');
    assert.equal(embedded?.defaultValue, './sluice-data');
    assert.match(embedded?.documentation ?? '', /^Sluice only \(not an Apache Kafka Connect setting\)/);
  });

  test('the converters are required, as in Kafka', () => {
    throwsConfigError(
      () => new WorkerConfig({ 'value.converter': 'x' }),
      'Missing required configuration "key.converter" which has no default value.',
      'key.converter',
    );
    throwsConfigError(
      () => new WorkerConfig({ 'key.converter': 'x' }),
      'Missing required configuration "value.converter" which has no default value.',
      'value.converter',
    );
  });

  test('values are parsed and validated as Kafka does', () => {
    const config = worker({
      'offset.flush.interval.ms': '10000',
      'plugin.path': '/opt/a, /opt/b',
      'plugin.discovery': 'ONLY_SCAN',
      'topic.creation.enable': 'FALSE',
      'config.providers': 'file,env',
    });
    assert.equal(config.offsetCommitIntervalMs(), 10000);
    assert.deepEqual(config.getList('plugin.path'), ['/opt/a', '/opt/b']);
    assert.equal(config.getString('plugin.discovery'), 'ONLY_SCAN');
    assert.equal(config.getBoolean('topic.creation.enable'), false);
    assert.deepEqual(config.getList('config.providers'), ['file', 'env']);
    throwsConfigError(
      () => worker({ 'offset.flush.interval.ms': 'soon' }),
      'Invalid value soon for configuration offset.flush.interval.ms: Not a number of type LONG',
    );
    throwsConfigError(
      () => worker({ 'metrics.num.samples': '0' }),
      'Invalid value 0 for configuration metrics.num.samples: Value must be at least 1',
    );
    throwsConfigError(
      () => worker({ 'metrics.recording.level': 'TRACE' }),
      'Invalid value TRACE for configuration metrics.recording.level: String must be one of: INFO, DEBUG',
    );
  });
});

describe('WorkerConfig: Kafka or the embedded log', () => {
  test('with bootstrap.servers, offset.storage.file.filename is required as in Kafka', () => {
    throwsConfigError(
      () => worker({ 'bootstrap.servers': 'localhost:9092' }),
      'Missing required configuration "offset.storage.file.filename" which has no default value.',
      'offset.storage.file.filename',
    );
    const config = worker({
      'bootstrap.servers': 'a:9092, b:9092',
      'offset.storage.file.filename': '/tmp/connect.offsets',
    });
    assert.equal(config.usesEmbeddedLog(), false);
    assert.equal(config.bootstrapServers(), 'a:9092,b:9092');
    assert.equal(config.offsetStorageFileName(), '/tmp/connect.offsets');
  });

  test('on the embedded log the offsets file follows embedded.log.dir unless set', () => {
    assert.equal(
      worker({ 'embedded.log.dir': '/var/lib/sluice' }).offsetStorageFileName(),
      '/var/lib/sluice/connect.offsets',
    );
    assert.equal(
      worker({
        'embedded.log.dir': '/var/lib/sluice',
        'offset.storage.file.filename': '/x/o',
      }).offsetStorageFileName(),
      '/x/o',
    );
  });

  test('an empty bootstrap.servers is an error, not a silent switch to the embedded log', () => {
    throwsConfigError(
      () => worker({ 'bootstrap.servers': ' ', 'offset.storage.file.filename': '/tmp/o' }),
      'Invalid value for bootstrap.servers: the list is empty. List the Kafka brokers as host1:port1,host2:port2,... ' +
        'or remove the key to run on the embedded log.',
      'bootstrap.servers',
    );
  });

  test('an empty embedded.log.dir is refused', () => {
    throwsConfigError(
      () => worker({ 'embedded.log.dir': '' }),
      'Invalid value  for configuration embedded.log.dir: String must be non-empty',
    );
  });
});

describe('listeners', () => {
  test('parseListener: protocol in any case, empty host, IPv6 in brackets', () => {
    assert.deepEqual(parseListener('HTTP://myhost:8083'), { protocol: 'http', host: 'myhost', port: 8083 });
    assert.deepEqual(parseListener('https://:8443'), { protocol: 'https', host: '', port: 8443 });
    assert.deepEqual(parseListener('http://[::1]:8083'), { protocol: 'http', host: '::1', port: 8083 });
    assert.deepEqual(parseListener('http://0.0.0.0:0'), { protocol: 'http', host: '0.0.0.0', port: 0 });
  });

  test('parseListener: clear errors naming the listener', () => {
    throwsConfigError(
      () => parseListener('myhost:8083'),
      "Invalid listener 'myhost:8083' in listeners: Listener doesn't have the right format (protocol://hostname:port).",
      'listeners',
    );
    throwsConfigError(
      () => parseListener('http://myhost'),
      "Invalid listener 'http://myhost' in listeners: Listener doesn't have the right format (protocol://hostname:port).",
    );
    throwsConfigError(
      () => parseListener('http://my host:80'),
      "Invalid listener 'http://my host:80' in listeners: Listener doesn't have the right format (protocol://hostname:port).",
    );
    throwsConfigError(
      () => parseListener('ftp://h:21', 'admin.listeners'),
      'Invalid listener \'ftp://h:21\' in admin.listeners: Listener protocol must be either "http" or "https".',
      'admin.listeners',
    );
    throwsConfigError(
      () => parseListener('http://h:65536'),
      "Invalid listener 'http://h:65536' in listeners: the port must be between 0 and 65535.",
    );
    throwsConfigError(
      () => parseListener('http://h:-1'),
      "Invalid listener 'http://h:-1' in listeners: the port must be between 0 and 65535.",
    );
  });

  test('a worker with a bad listener fails at construction', () => {
    throwsConfigError(
      () => worker({ listeners: 'http://:8083,localhost:8084' }),
      "Invalid listener 'localhost:8084' in listeners: Listener doesn't have the right format (protocol://hostname:port).",
    );
    throwsConfigError(
      () => worker({ 'admin.listeners': 'tcp://:9999' }),
      'Invalid listener \'tcp://:9999\' in admin.listeners: Listener protocol must be either "http" or "https".',
    );
  });

  test('Kafka’s listeners validator messages', () => {
    throwsConfigError(
      () => worker({ listeners: '' }),
      'Invalid value for listeners, at least one URL is expected, ex: http://localhost:8080,https://localhost:8443.',
    );
    throwsConfigError(
      () => worker({ listeners: 'http://:1, ,http://:2' }),
      'Empty URL found when parsing listeners list.',
    );
    throwsConfigError(
      () => worker({ 'admin.listeners': 'http://:1, ,http://:2' }),
      'Empty URL found when parsing admin.listeners list.',
    );
  });

  test('several listeners, and admin listeners: unset, disabled, or parsed', () => {
    const config = worker({ listeners: 'HTTP://myhost:8083, https://[::1]:8443', 'admin.listeners': '' });
    assert.deepEqual(config.listeners(), [
      { protocol: 'http', host: 'myhost', port: 8083 },
      { protocol: 'https', host: '::1', port: 8443 },
    ]);
    assert.deepEqual(config.adminListeners(), []);
    assert.deepEqual(worker({ 'admin.listeners': 'http://localhost:9093' }).adminListeners(), [
      { protocol: 'http', host: 'localhost', port: 9093 },
    ]);
  });
});

describe('workerId and advertised URL', () => {
  test('default listener: the machine host name (or the given local host) and port 8083', () => {
    assert.equal(worker().workerId(), `${hostname()}:8083`);
    assert.equal(worker().workerId({ localHost: '10.0.0.5' }), '10.0.0.5:8083');
    assert.equal(worker().advertisedUrl({ localHost: '10.0.0.5' }), 'http://10.0.0.5:8083/');
  });

  test('the listener host and port', () => {
    assert.equal(
      worker({ listeners: 'http://connect-1:9000' }).workerId({ localHost: 'x' }),
      'connect-1:9000',
    );
  });

  test('rest.advertised.host.name and rest.advertised.port win', () => {
    const config = worker({
      listeners: 'http://connect-1:9000',
      'rest.advertised.host.name': 'public.example.com',
      'rest.advertised.port': '443',
    });
    assert.equal(config.workerId(), 'public.example.com:443');
    const hostOnly = worker({ listeners: 'http://connect-1:9000', 'rest.advertised.host.name': 'pub' });
    assert.equal(hostOnly.workerId(), 'pub:9000');
    const portOnly = worker({ listeners: 'http://connect-1:9000', 'rest.advertised.port': '80' });
    assert.equal(portOnly.workerId(), 'connect-1:80');
  });

  test('an empty rest.advertised.host.name is ignored, as in Kafka', () => {
    assert.equal(
      worker({ listeners: 'http://h:1', 'rest.advertised.host.name': '' }).workerId({ localHost: 'x' }),
      'h:1',
    );
  });

  test('the advertised protocol picks the listener', () => {
    const both = { listeners: 'https://secure:8443,http://plain:8083' };
    assert.equal(worker(both).advertisedProtocol(), 'http');
    assert.equal(worker(both).workerId(), 'plain:8083');
    const https = worker({ ...both, 'rest.advertised.listener': 'HTTPS' });
    assert.equal(https.advertisedProtocol(), 'https');
    assert.equal(https.workerId(), 'secure:8443');
    assert.equal(https.advertisedUrl(), 'https://secure:8443/');
    const onlyHttps = worker({ listeners: 'https://secure:8443' });
    assert.equal(onlyHttps.advertisedProtocol(), 'https');
    assert.equal(onlyHttps.workerId(), 'secure:8443');
  });

  test('no listener of the advertised protocol: the first listener, as Jetty’s server URI', () => {
    const config = worker({ listeners: 'http://first:8083', 'rest.advertised.listener': 'https' });
    assert.equal(config.workerId({ localHost: 'x' }), 'first:8083');
  });

  test('IPv6 hosts are bracketed; port 0 uses the bound port', () => {
    assert.equal(worker({ listeners: 'http://[::1]:8083' }).workerId(), '[::1]:8083');
    assert.equal(worker({ listeners: 'http://h:0' }).workerId({ boundPort: 41234 }), 'h:41234');
    assert.equal(worker({ listeners: 'http://h:0' }).workerId(), 'h:0');
  });
});

describe('response.http.headers.config (Kafka’s rules)', () => {
  test('valid rules pass, quoted rules may contain commas', () => {
    const value =
      'set X-Frame-Options: DENY,"add Cache-Control: no-cache, no-store", setDate Last-Modified:0';
    assert.equal(
      worker({ 'response.http.headers.config': value }).getString('response.http.headers.config'),
      value,
    );
  });

  test('invalid rules get Kafka’s messages', () => {
    throwsConfigError(
      () => worker({ 'response.http.headers.config': 'set' }),
      "Invalid format of header config 'set'. Expected: '[action] [header name]:[header value]'",
    );
    throwsConfigError(
      () => worker({ 'response.http.headers.config': 'put X:Y' }),
      "Invalid header config action: 'put'. Expected one of [set, add, setDate, addDate]",
    );
    throwsConfigError(
      () => worker({ 'response.http.headers.config': 'set X-Frame-Options' }),
      "Invalid format of header name and header value pair 'X-Frame-Options'. Expected: '[header name]:[header value]'",
    );
    throwsConfigError(
      () => worker({ 'response.http.headers.config': 'add a:b:c' }),
      "Invalid format of header name and header value pair 'a:b:c'. Expected: '[header name]:[header value]'",
    );
    throwsConfigError(
      () => worker({ 'response.http.headers.config': 'set X Y:Z' }),
      "Invalid header name 'X Y'. The '[header name]' cannot contain whitespace",
    );
    throwsConfigError(
      () => worker({ 'response.http.headers.config': 'set :Z' }),
      "Invalid header name ''. The '[header name]' cannot contain whitespace",
    );
  });
});

describe('clientConfigs', () => {
  test('the worker’s producer.*, consumer.* and admin.* keys, prefix removed', () => {
    const config = worker({
      'producer.linger.ms': '5',
      'producer.compression.type': 'lz4',
      'consumer.max.poll.records': '100',
      'admin.request.timeout.ms': '1000',
      'producer.': 'ignored: nothing after the prefix',
      'offset.flush.interval.ms': '1000',
    });
    assert.deepEqual(config.clientConfigs('producer.'), { 'linger.ms': '5', 'compression.type': 'lz4' });
    assert.deepEqual(config.clientConfigs('consumer.'), { 'max.poll.records': '100' });
    assert.deepEqual(config.clientConfigs('admin.'), { 'request.timeout.ms': '1000' });
    assert.deepEqual(worker().clientConfigs('producer.'), {});
  });
});

describe('Sluice’s REST security keys and metrics.enable', () => {
  test('they are defined, documented and typed', () => {
    const keys = WORKER_CONFIG_DEF.configKeys();
    for (const name of [
      'rest.mask.passwords',
      'rest.auth.tokens.file',
      'rest.auth.jwt.jwks.file',
      'rest.auth.jwt.jwks.url',
      'rest.auth.jwt.issuer',
      'rest.auth.jwt.audience',
      'rest.auth.jwt.roles.claim',
      'rest.auth.jwt.principal.claim',
      'rest.auth.jwt.algorithms',
      'rest.auth.jwt.clock.skew.seconds',
      'rest.auth.user.roles',
      'java.security.auth.login.config',
      'metrics.enable',
    ]) {
      const key = keys.get(name);
      assert.ok(key !== undefined, `${name} is defined`);
      assert.ok(key.documentation.length > 20, `${name} is documented`);
    }
    assert.equal(keys.get('rest.mask.passwords')?.type, 'BOOLEAN');
    assert.equal(keys.get('rest.auth.jwt.clock.skew.seconds')?.type, 'INT');
    assert.equal(keys.get('rest.auth.user.roles')?.type, 'LIST');
    const config = worker({
      'rest.mask.passwords': 'TRUE',
      'rest.auth.user.roles': 'alice:admin, bob:viewer',
      'rest.auth.jwt.algorithms': 'ES256,EdDSA',
      'metrics.enable': 'false',
    });
    assert.equal(config.getBoolean('rest.mask.passwords'), true);
    assert.deepEqual(config.getList('rest.auth.user.roles'), ['alice:admin', 'bob:viewer']);
    assert.deepEqual(config.getList('rest.auth.jwt.algorithms'), ['ES256', 'EdDSA']);
    assert.equal(config.getBoolean('metrics.enable'), false);
  });

  test('a bad value stops the worker config, naming the key', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ 'rest.mask.passwords': 'yes' }, 'rest.mask.passwords', /Expected value to be either true or false/],
      [{ 'metrics.enable': 'off' }, 'metrics.enable', /Expected value to be either true or false/],
      [{ 'rest.auth.jwt.clock.skew.seconds': '-1' }, 'rest.auth.jwt.clock.skew.seconds', /at least 0/],
      [
        { 'rest.auth.jwt.clock.skew.seconds': 'soon' },
        'rest.auth.jwt.clock.skew.seconds',
        /Not a number of type INT/,
      ],
      [{ 'rest.auth.jwt.algorithms': 'RS256,HS256' }, 'rest.auth.jwt.algorithms', /only asymmetric/],
      [{ 'rest.auth.jwt.algorithms': 'RS257' }, 'rest.auth.jwt.algorithms', /RS257/],
      [{ 'rest.auth.jwt.algorithms': '' }, 'rest.auth.jwt.algorithms', /must not be empty/],
      [{ 'rest.auth.jwt.jwks.url': 'idp.example.com/jwks' }, 'rest.auth.jwt.jwks.url', /not a URL/],
      [{ 'rest.auth.jwt.jwks.url': 'ftp://idp/jwks' }, 'rest.auth.jwt.jwks.url', /https/],
      [{ 'rest.auth.jwt.roles.claim': '' }, 'rest.auth.jwt.roles.claim', /non-empty/],
      [{ 'rest.auth.user.roles': 'alice:root' }, 'rest.auth.user.roles', /alice:root/],
      [{ 'rest.auth.user.roles': 'admin' }, 'rest.auth.user.roles', /<user>:<viewer\|operator\|admin>/],
    ];
    for (const [props, key, message] of cases) {
      assert.throws(
        () => worker(props),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, `${JSON.stringify(props)}: ${String(e)}`);
          assert.equal(e.key, key);
          assert.match(e.message, message);
          assert.match(e.message, new RegExp(key.replaceAll('.', '\\.')));
          return true;
        },
      );
    }
  });
});
