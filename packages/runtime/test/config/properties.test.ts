import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import {
  loadConnectorConfigFile,
  loadPropertiesFile,
  parseConnectorConfigFile,
  parseProperties,
} from '../../src/config/properties.ts';

/** Asserts that `fn` throws a ConfigError with exactly `message`. */
function throwsConfigError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

async function rejectsConfigError(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('parseProperties: separators', () => {
  test('=, : and whitespace separate key and value; whitespace around them is skipped', () => {
    const text = [
      'key1=value1',
      'key2 = value2',
      'key3:value3',
      'key4 value4',
      'key5   :   value5',
      'key6',
      'key7=',
      '  key8 = trailing spaces stay   ',
      'key9==x',
      'key10 = = x',
      'key11  =x',
      'key12  x=y',
      'key13\t\f:\tv',
      'key14:=v',
    ].join('\n');
    assert.deepEqual(parseProperties(text), {
      key1: 'value1',
      key2: 'value2',
      key3: 'value3',
      key4: 'value4',
      key5: 'value5',
      key6: '',
      key7: '',
      key8: 'trailing spaces stay   ',
      key9: '=x',
      key10: '= x',
      key11: 'x',
      key12: 'x=y',
      key13: 'v',
      key14: '=v',
    });
  });

  test('a later duplicate key wins; an empty text gives no keys', () => {
    assert.deepEqual(parseProperties('a=1\nb=2\na=3\n'), { a: '3', b: '2' });
    assert.deepEqual(parseProperties(''), {});
    assert.deepEqual(parseProperties('\n\n   \n\t\n'), {});
  });

  test('a key named __proto__ is an own property, not a prototype change', () => {
    const props = parseProperties('__proto__=x\n');
    assert.equal(Object.hasOwn(props, '__proto__'), true);
    assert.equal(Object.getPrototypeOf(props), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(props, '__proto__')?.value, 'x');
  });
});

describe('parseProperties: comments', () => {
  test('# and ! start a comment only as the first non-blank character of a line', () => {
    const text = [
      '# a comment',
      '   ! another comment',
      'a=b # not a comment',
      'c=d ! nor this',
      '\t#indented comment',
    ].join('\n');
    assert.deepEqual(parseProperties(text), { a: 'b # not a comment', c: 'd ! nor this' });
  });

  test('a comment ending in a backslash does not continue', () => {
    assert.deepEqual(parseProperties('# comment \\\nx=1\n'), { x: '1' });
  });

  test('an escaped # or ! starts a key', () => {
    assert.deepEqual(parseProperties('\\#notcomment=1\n\\!bang=2\n'), { '#notcomment': '1', '!bang': '2' });
  });

  test('after a continuation, # is part of the value', () => {
    assert.deepEqual(parseProperties('e=x\\\n  # y\n'), { e: 'x# y' });
  });

  test('a lone backslash line contributes nothing, so a following # line is a comment (Java 9+)', () => {
    assert.deepEqual(parseProperties('\\\n# z\nf=1\n'), { f: '1' });
  });
});

describe('parseProperties: logical lines', () => {
  test('a trailing backslash continues the line; leading whitespace of the next line is skipped', () => {
    const text = 'list = a,\\\n       b,\\\n\t c\nnext=1\n';
    assert.deepEqual(parseProperties(text), { list: 'a,b,c', next: '1' });
  });

  test('an even number of trailing backslashes does not continue', () => {
    assert.deepEqual(parseProperties('p=q\\\\\nr=s\n'), { p: 'q\\', r: 's' });
    assert.deepEqual(parseProperties('p=q\\\\\\\nr=s\n'), { p: 'q\\r=s' });
  });

  test('a continuation followed by a blank line ends the logical line', () => {
    assert.deepEqual(parseProperties('c=1\\\n\nd=2\n'), { c: '1', d: '2' });
  });

  test('\\r\\n, \\r and \\n all end natural lines, also after a continuation', () => {
    assert.deepEqual(parseProperties('a=1\r\nb=2\rc=3\\\r\n   4\rd=5\\\r   6\n'), {
      a: '1',
      b: '2',
      c: '34',
      d: '56',
    });
  });

  test('a backslash at the very end of the text is dropped', () => {
    assert.deepEqual(parseProperties('g=1\\'), { g: '1' });
    assert.deepEqual(parseProperties('g=1\\\n'), { g: '1' });
  });

  test('a continuation can split a key', () => {
    assert.deepEqual(parseProperties('long\\\n   .key=v\n'), { 'long.key': 'v' });
  });
});

describe('parseProperties: escapes', () => {
  test('the character escapes', () => {
    const props = parseProperties('v=\\t|\\n|\\r|\\f|\\\\|\\#|\\!|\\=|\\:|\\ |\\q|\\"\n');
    assert.equal(props.v, '\t|\n|\r|\f|\\|#|!|=|:| |q|"');
  });

  test('escaped separators and spaces belong to the key', () => {
    assert.deepEqual(parseProperties('k\\ ey=v\na\\=b=c\nx\\:y:z\n'), {
      'k ey': 'v',
      'a=b': 'c',
      'x:y': 'z',
    });
  });

  test('an escaped leading space is kept in the value', () => {
    assert.deepEqual(parseProperties('k=\\  two spaces\n'), { k: '  two spaces' });
  });

  test('\\uXXXX escapes, in either case, including surrogate pairs', () => {
    assert.deepEqual(parseProperties('u=\\u00e9\\u00E9\\u20AC\nemoji=\\uD83D\\uDE00\n\\u0041=key\n'), {
      u: 'éé€',
      emoji: '😀',
      A: 'key',
    });
  });

  test('a malformed \\uXXXX escape is an error naming the file and the line', () => {
    throwsConfigError(
      () => parseProperties('a=1\n# note\nbad=\\u12\n', 'worker.properties'),
      'worker.properties:3: malformed \\uXXXX escape',
    );
    throwsConfigError(
      () => parseProperties('a=1\nbad=\\u12G4\n', 'worker.properties'),
      'worker.properties:2: malformed \\uXXXX escape',
    );
    throwsConfigError(
      () => parseProperties('\\u00=1\n', 'w.properties'),
      'w.properties:1: malformed \\uXXXX escape',
    );
  });

  test('the line of a malformed escape on a continuation line is that natural line', () => {
    throwsConfigError(
      () => parseProperties('ok=1\r\nv=x\\\r\n   \\uZZZZ\r\n', 'c.properties'),
      'c.properties:3: malformed \\uXXXX escape',
    );
  });

  test('without a file name the message says <properties>', () => {
    throwsConfigError(() => parseProperties('x=\\u'), '<properties>:1: malformed \\uXXXX escape');
  });
});

describe('property and connector files on disk', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-properties-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('.properties files are read as ISO-8859-1, as Kafka reads them', async () => {
    const file = join(dir, 'latin1.properties');
    // "a=é" in UTF-8 (C3 A9), then a 0x80 byte, which ISO-8859-1 maps to U+0080 (not windows-1252's €).
    await writeFile(file, Buffer.from([0x61, 0x3d, 0xc3, 0xa9, 0x80, 0x0a, 0x62, 0x3d, 0xe9]));
    assert.deepEqual(await loadPropertiesFile(file), { a: '\u00c3\u00a9\u0080', b: 'é' });
  });

  test('encoding utf8 is available on request', async () => {
    const file = join(dir, 'utf8.properties');
    await writeFile(file, 'a=é\n', 'utf8');
    assert.deepEqual(await loadPropertiesFile(file, { encoding: 'utf8' }), { a: 'é' });
    assert.deepEqual(await loadPropertiesFile(file), { a: '\u00c3\u00a9' });
  });

  test('errors name the file path', async () => {
    const file = join(dir, 'bad.properties');
    await writeFile(file, 'a=1\nb=\\uXYZW\n');
    await rejectsConfigError(loadPropertiesFile(file), `${file}:2: malformed \\uXXXX escape`);
  });

  test('a missing file is a ConfigError naming it', async () => {
    const file = join(dir, 'missing.properties');
    await rejectsConfigError(
      loadPropertiesFile(file),
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the file: ENOENT`),
    );
  });

  test('connector files: .properties, flat JSON and create-request JSON', async () => {
    const props = join(dir, 'file-source.properties');
    await writeFile(props, 'name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\n');
    assert.deepEqual(await loadConnectorConfigFile(props), {
      name: 'local-file-source',
      config: { name: 'local-file-source', 'connector.class': 'FileStreamSource', 'tasks.max': '1' },
    });

    const flat = join(dir, 'flat.json');
    await writeFile(flat, '{"name": "flat", "connector.class": "FileStreamSink", "tasks.max": 2}');
    assert.deepEqual(await loadConnectorConfigFile(flat), {
      name: 'flat',
      config: { name: 'flat', 'connector.class': 'FileStreamSink', 'tasks.max': '2' },
    });

    const request = join(dir, 'request.json');
    await writeFile(
      request,
      '{"name": "req", "config": {"connector.class": "FileStreamSink"}, "initial_state": "STOPPED"}',
    );
    assert.deepEqual(await loadConnectorConfigFile(request), {
      name: 'req',
      config: { 'connector.class': 'FileStreamSink', name: 'req' },
      initialState: 'STOPPED',
    });
  });
});

describe('parseConnectorConfigFile: .properties', () => {
  test('a properties file gives its map, named by its name key', () => {
    assert.deepEqual(parseConnectorConfigFile('name=x\nconnector.class=Foo\n', 'c.properties'), {
      name: 'x',
      config: { name: 'x', 'connector.class': 'Foo' },
    });
  });

  test('bytes of a properties file are decoded as ISO-8859-1', () => {
    const bytes = new Uint8Array([...Buffer.from('name=n\nv='), 0xe9]);
    assert.deepEqual(parseConnectorConfigFile(bytes, 'c.properties'), {
      name: 'n',
      config: { name: 'n', v: 'é' },
    });
  });

  test('a properties file without name is refused with Kafka’s message', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('connector.class=Foo\n', 'c.properties'),
      "Connector configuration at 'c.properties' is missing the mandatory 'name' configuration",
    );
  });

  test('a properties file with a malformed escape names file and line', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('name=x\nv=\\u00\n', 'conn.properties'),
      'conn.properties:2: malformed \\uXXXX escape',
    );
  });
});

describe('parseConnectorConfigFile: JSON', () => {
  test('a flat map: numbers keep their source text, booleans become true/false', () => {
    const json = '{"name":"n","tasks.max": 4,"x": 1.50,"y": -1e3,"b": true,"c": false,"s":"str"}';
    assert.deepEqual(parseConnectorConfigFile(json, 'c.json'), {
      name: 'n',
      config: { name: 'n', 'tasks.max': '4', x: '1.50', y: '-1e3', b: 'true', c: 'false', s: 'str' },
    });
  });

  test('JSON is recognised by content whatever the file name, and a UTF-8 BOM is skipped', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('\n  {"name": "caf\u00e9"}', 'utf8')]);
    assert.deepEqual(parseConnectorConfigFile(bytes, 'connector.conf'), {
      name: 'café',
      config: { name: 'café' },
    });
  });

  test('JSON string escapes', () => {
    const json = '{"name":"n","v":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"}';
    assert.equal(parseConnectorConfigFile(json, 'c.json').config.v, 'a"b\\c/d\b\f\n\r\té😀');
  });

  test('a later duplicate key wins', () => {
    assert.deepEqual(parseConnectorConfigFile('{"name":"a","k":"1","k":"2"}', 'c.json').config, {
      name: 'a',
      k: '2',
    });
  });

  test('a flat map must have a name', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{"connector.class": "Foo"}', 'conn.json'),
      "Connector configuration at 'conn.json' is missing the mandatory 'name' configuration",
    );
  });

  test('a create request: config gets the name; initial_state in any case', () => {
    const json = `{
  "name": "n",
  "config": {"connector.class": "Foo", "tasks.max": 2, "errors.log.enable": true},
  "initial_state": "paused"
}`;
    assert.deepEqual(parseConnectorConfigFile(json, 'c.json'), {
      name: 'n',
      config: { 'connector.class': 'Foo', 'tasks.max': '2', 'errors.log.enable': 'true', name: 'n' },
      initialState: 'PAUSED',
    });
  });

  test('a create request without initial_state has no initialState; a matching config.name is fine', () => {
    const result = parseConnectorConfigFile('{"name":"n","config":{"name":"n","a":"b"}}', 'c.json');
    assert.deepEqual(result, { name: 'n', config: { name: 'n', a: 'b' } });
    assert.equal(Object.hasOwn(result, 'initialState'), false);
  });

  test('the body of GET /connectors/{name} works: tasks and type are ignored', () => {
    const json = JSON.stringify({
      name: 'sink',
      config: { 'connector.class': 'FileStreamSink', name: 'sink', topics: 't' },
      tasks: [{ connector: 'sink', task: 0 }],
      type: 'sink',
    });
    assert.deepEqual(parseConnectorConfigFile(json, 'sink.json'), {
      name: 'sink',
      config: { 'connector.class': 'FileStreamSink', name: 'sink', topics: 't' },
    });
  });

  test('config.name different from name is refused with Kafka’s message', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{"name":"a","config":{"name":"b"}}', 'c.json'),
      "Connector name configuration in 'config' doesn't match the one specified in 'name' at 'c.json'",
    );
  });

  test('a create request with no name anywhere is refused', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{"config":{"connector.class":"Foo"}}', 'c.json'),
      "Connector configuration at 'c.json' is missing the mandatory 'name' configuration",
    );
  });

  test('an invalid initial_state names its position', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{"name":"n",\n "config":{},\n "initial_state":"running!"}', 'c.json'),
      "c.json:3:18: invalid initial_state 'running!': must be one of RUNNING, PAUSED, STOPPED",
    );
  });

  test('a nested object or array value is an error naming the key and its position', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{\n  "name": "n",\n  "tasks.max": {"a": 1}\n}', 'c.json'),
      "c.json:3:16: the value of 'tasks.max' is a JSON object; connector configuration values must be strings, numbers or booleans",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "n", "topics": ["a", "b"]}', 'c.json'),
      "c.json:1:25: the value of 'topics' is a JSON array; connector configuration values must be strings, numbers or booleans",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name":"n","config":{"x":[1]}}', 'c.json'),
      "c.json:1:27: the value of 'x' in 'config' is a JSON array; connector configuration values must be strings, numbers or booleans",
    );
  });

  test('a null value is an error naming the key', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "n", "topics": null}', 'c.json'),
      "c.json:1:25: the value of 'topics' is null; connector configuration values must be strings, numbers or booleans",
    );
  });

  test('config that is not an object is an error', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{"name":"n","config":[],"x":{}}', 'c.json'),
      "c.json:1:22: 'config' must be a JSON object of connector configuration values, not a JSON array",
    );
  });

  test('syntax errors name file, line and column', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('{\n  "name": "n",\n}', 'c.json'),
      "c.json:3:1: expected a field name in double quotes but found '}'",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{\n  "name": "n"\n  "a": "b"\n}', 'c.json'),
      "c.json:3:3: expected ',' or '}' but found '\"'",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "n', 'c.json'),
      'c.json:1:12: unterminated string',
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "a\nb"}', 'c.json'),
      'c.json:1:12: control character U+000A must be escaped in a string',
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "n", "a": 01}', 'c.json'),
      "c.json:1:20: malformed number '01'",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "n", "a": tru}', 'c.json'),
      "c.json:1:20: unrecognized token 'tru': expected true, false or null",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": \'n\'}', 'c.json'),
      "c.json:1:10: expected a JSON value but found '''",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "\\x"}', 'c.json'),
      "c.json:1:11: unrecognized escape '\\x' in a string",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name" "n"}', 'c.json'),
      "c.json:1:9: expected ':' but found '\"'",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('{"name": "n",', 'c.json'),
      'c.json:1:14: expected a field name in double quotes but found end of file',
    );
  });

  test('a .json file must hold a JSON object', () => {
    throwsConfigError(
      () => parseConnectorConfigFile('  ["name"]', 'c.json'),
      "c.json:1:3: expected a JSON object ('{') but found '['",
    );
    throwsConfigError(
      () => parseConnectorConfigFile('', 'C.JSON'),
      "C.JSON:1:1: expected a JSON object ('{') but found end of file",
    );
  });

  test('JSON bytes must be UTF-8', () => {
    throwsConfigError(
      () => parseConnectorConfigFile(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]), 'c.json'),
      'c.json: the JSON file is not valid UTF-8',
    );
  });

  test('as with Jackson, text after the top-level object is ignored', () => {
    assert.deepEqual(parseConnectorConfigFile('{"name":"n"}\n}', 'c.json'), {
      name: 'n',
      config: { name: 'n' },
    });
  });
});
