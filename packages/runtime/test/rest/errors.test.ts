import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AlreadyExistsError,
  BadRequestError,
  ConfigError,
  ConnectError,
  DataError,
  NotFoundError,
  NotLeaderError,
  RebalanceNeededError,
} from '@sluice/api';
import { NO_LEADER_MESSAGE, REBALANCE_MESSAGE, RestError, toErrorResponse } from '../../src/rest/errors.ts';
import { withTimeout } from '../../src/rest/resources.ts';

test('one mapping from errors to status and Kafka error body', () => {
  const cases: [unknown, number, string][] = [
    [new NotFoundError('Connector a not found'), 404, 'Connector a not found'],
    [new AlreadyExistsError('Connector a already exists'), 409, 'Connector a already exists'],
    [new BadRequestError('bad'), 400, 'bad'],
    [
      ConfigError.invalidValue('tasks.max', -1, 'too small'),
      400,
      'Invalid value -1 for configuration tasks.max: too small',
    ],
    [new RebalanceNeededError('internal detail'), 409, REBALANCE_MESSAGE],
    [new NotLeaderError('not the leader'), 409, NO_LEADER_MESSAGE],
    [new NotLeaderError('not the leader', 'http://leader:8083'), 409, 'not the leader'],
    [new ConnectError('boom'), 500, 'boom'],
    [new DataError('bad data'), 500, 'bad data'],
    [new TypeError('x is undefined'), 500, 'x is undefined'],
    ['a string', 500, 'a string'],
    [new RestError(403, 'Topic tracking is disabled.'), 403, 'Topic tracking is disabled.'],
    [
      Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }),
      415,
      'HTTP 415 Unsupported Media Type',
    ],
    [Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }), 500, 'ENOENT: no such file'],
  ];
  for (const [err, status, message] of cases) {
    assert.deepEqual(toErrorResponse(err), { status, body: { error_code: status, message } }, String(err));
  }
});

test('errors of another copy of @sluice/api map by their code', () => {
  const foreign = Object.assign(new Error('Connector z not found'), { code: 'NOT_FOUND' });
  assert.equal(toErrorResponse(foreign).status, 404);
});

test('withTimeout: the result, the error, or 500 Request timed out', async () => {
  assert.equal(await withTimeout(1000, async () => 42), 42);
  await assert.rejects(
    withTimeout(1000, async () => {
      throw new NotFoundError('nope');
    }),
    NotFoundError,
  );
  await assert.rejects(
    withTimeout(5, () => new Promise(() => {})),
    (err: unknown) => err instanceof RestError && err.status === 500 && err.message === 'Request timed out',
  );
});
