/**
 * The validate requests of the exactly-once validation golden (recorded from Kafka Connect 4.1.1
 * by record-exactly-once-validate.ts, compared by ../exactly-once-validate-golden.test.ts).
 */
import { join } from 'node:path';

export const EOS_VALIDATE_GOLDEN = join(import.meta.dirname, 'exactly-once-validate.golden.json');

export interface EosValidateRequest {
  name: string;
  /** `exactly.once.source.support` of the worker that answers. */
  worker: 'enabled' | 'disabled';
  config: Record<string, string>;
}

export interface EosValidateGolden {
  recordedWith: string;
  recordedAt: string;
  answers: Array<{ name: string; status: number; body: unknown }>;
}

const FILE = '/tmp/sluice-eos-golden-input.txt';
const base = { 'connector.class': 'FileStreamSource', name: 'eos-golden', topic: 'eos-golden-topic' };

export const EOS_VALIDATE_REQUESTS: readonly EosValidateRequest[] = [
  {
    name: 'required, file',
    worker: 'enabled',
    config: { ...base, file: FILE, 'exactly.once.support': 'required' },
  },
  { name: 'required, stdin', worker: 'enabled', config: { ...base, 'exactly.once.support': 'required' } },
  {
    name: 'Required (case), stdin',
    worker: 'enabled',
    config: { ...base, 'exactly.once.support': 'Required' },
  },
  { name: 'requested, stdin', worker: 'enabled', config: { ...base, 'exactly.once.support': 'requested' } },
  {
    name: 'bad exactly.once.support',
    worker: 'enabled',
    config: { ...base, file: FILE, 'exactly.once.support': 'always' },
  },
  {
    name: 'boundary connector',
    worker: 'enabled',
    config: { ...base, file: FILE, 'transaction.boundary': 'connector' },
  },
  {
    name: 'boundary interval',
    worker: 'enabled',
    config: {
      ...base,
      file: FILE,
      'transaction.boundary': 'interval',
      'transaction.boundary.interval.ms': '1000',
    },
  },
  {
    name: 'bad boundary',
    worker: 'enabled',
    config: { ...base, file: FILE, 'transaction.boundary': 'sometimes' },
  },
  {
    name: 'connector offsets topic',
    worker: 'enabled',
    config: {
      ...base,
      file: FILE,
      'exactly.once.support': 'required',
      'offsets.storage.topic': 'eos-golden-offsets',
    },
  },
  {
    name: 'required on a worker without it',
    worker: 'disabled',
    config: { ...base, file: FILE, 'exactly.once.support': 'required' },
  },
  {
    name: 'required, stdin, on a worker without it',
    worker: 'disabled',
    config: { ...base, 'exactly.once.support': 'required' },
  },
  {
    name: 'boundary connector on a worker without it',
    worker: 'disabled',
    config: { ...base, file: FILE, 'transaction.boundary': 'connector' },
  },
];
