/** Confluent's Python client with its Protobuf extras and protoc (grpcio-tools), pinned (installed by ensurePythonVenv under .cache/). */
export const PYTHON_PROTOBUF_REQUIREMENTS = [
  'confluent-kafka[protobuf,schemaregistry]==2.16.2',
  'grpcio-tools==1.85.4',
  'protobuf==7.36.2',
  'googleapis-common-protos==1.76.0',
];
export const PYTHON_PROTOBUF_VENV = 'python-schema-registry-protobuf';
