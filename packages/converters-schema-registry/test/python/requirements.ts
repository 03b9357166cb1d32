/** Confluent's Python client and its serde extras, pinned (installed by ensurePythonVenv under .cache/). */
export const PYTHON_REQUIREMENTS = ['confluent-kafka[avro,json,schemaregistry]==2.16.2', 'fastavro==1.13.1'];
export const PYTHON_VENV = 'python-schema-registry';
