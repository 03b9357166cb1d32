import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupRequestError } from '../../src/distributed/group-client.ts';
import { hasKafkaError, kafkaErrorName } from '../../src/log/kafka/errors.ts';

/** A protocol error as the library throws it: Kafka's error name in `apiId`. */
const protocolError = (apiId: string) => Object.assign(new Error(apiId), { apiId });
/** The library's MultipleErrors: nested errors in `errors`. */
const multiple = (...errors: Error[]) => Object.assign(new Error('several'), { errors });

test("Kafka's error name: the first protocol error in nested errors and causes", () => {
  assert.equal(kafkaErrorName(protocolError('NOT_COORDINATOR')), 'NOT_COORDINATOR');
  assert.equal(
    kafkaErrorName(multiple(new Error('socket'), multiple(protocolError('REBALANCE_IN_PROGRESS')))),
    'REBALANCE_IN_PROGRESS',
  );
  assert.equal(
    kafkaErrorName(new Error('outer', { cause: protocolError('ILLEGAL_GENERATION') })),
    'ILLEGAL_GENERATION',
  );
  assert.equal(kafkaErrorName(new Error('network', { cause: new Error('ECONNRESET') })), undefined);
  assert.equal(kafkaErrorName('not an error'), undefined);
  assert.ok(hasKafkaError(multiple(protocolError('A'), protocolError('B')), 'B'));
});

test('a group request error names its own Kafka error, even without one', () => {
  const named = new GroupRequestError('join failed', 'MEMBER_ID_REQUIRED', 'm-1', undefined);
  assert.equal(kafkaErrorName(named), 'MEMBER_ID_REQUIRED');
  assert.equal(kafkaErrorName(new Error('wrapped', { cause: named })), 'MEMBER_ID_REQUIRED');
  // Its name stands for the tree: a protocol error in its cause is not looked at.
  const plain = new GroupRequestError('no coordinator', undefined, undefined, protocolError('X'));
  assert.equal(kafkaErrorName(plain), undefined);
});
