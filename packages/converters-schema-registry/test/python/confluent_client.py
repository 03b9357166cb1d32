"""Runs Confluent's own Python client (confluent-kafka's SchemaRegistryClient, AvroSerializer,
AvroDeserializer; fastavro underneath) against a registry, for Sluice's interop tests.

Reads one JSON job on stdin, writes one JSON answer on stdout. Values cross the boundary as
tagged JSON: {"$bytes": hex}, {"$decimal": "1.23"}, {"$date": "2024-02-29"}, {"$time": ms},
{"$timestamp": ms}, {"$long": "123..."} for integers beyond 2^53.
"""
import base64
import datetime
import decimal
import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def to_tagged(v):
    if isinstance(v, bool) or v is None or isinstance(v, str) or isinstance(v, float):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2**53 else {"$long": str(v)}
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes": bytes(v).hex()}
    if isinstance(v, decimal.Decimal):
        return {"$decimal": format(v, "f")}
    if isinstance(v, datetime.datetime):
        return {"$timestamp": int(round((v - EPOCH).total_seconds() * 1000))}
    if isinstance(v, datetime.date):
        return {"$date": v.isoformat()}
    if isinstance(v, datetime.time):
        return {"$time": ((v.hour * 60 + v.minute) * 60 + v.second) * 1000 + v.microsecond // 1000}
    if isinstance(v, dict):
        return {k: to_tagged(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_tagged(x) for x in v]
    raise TypeError("cannot tag %r" % (v,))


def from_tagged(v):
    if isinstance(v, list):
        return [from_tagged(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "$bytes":
                return bytes.fromhex(x)
            if k == "$decimal":
                return decimal.Decimal(x)
            if k == "$date":
                return datetime.date.fromisoformat(x)
            if k == "$time":
                ms = int(x)
                return datetime.time(ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000 * 1000)
            if k == "$timestamp":
                return EPOCH + datetime.timedelta(milliseconds=int(x))
            if k == "$long":
                return int(x)
        return {k: from_tagged(x) for k, x in v.items()}
    return v


def field(is_key):
    return MessageField.KEY if is_key else MessageField.VALUE


def run(job):
    client = SchemaRegistryClient({"url": job["url"]})
    out = {"decoded": [], "encoded": [], "ops": {}}
    deserializer = AvroDeserializer(client)
    for item in job.get("decode", []):
        ctx = SerializationContext(item["topic"], field(item.get("isKey", False)))
        value = deserializer(bytes.fromhex(item["hex"]), ctx)
        out["decoded"].append(to_tagged(value))
    for item in job.get("encode", []):
        conf = {"auto.register.schemas": item.get("autoRegister", True)}
        if item.get("useLatestVersion"):
            conf["use.latest.version"] = True
        serializer = AvroSerializer(client, item.get("schema"), conf=conf)
        ctx = SerializationContext(item["topic"], field(item.get("isKey", False)))
        data = serializer(from_tagged(item["value"]), ctx)
        out["encoded"].append(data.hex())
    for item in job.get("jsonDecode", []):
        ctx = SerializationContext(item["topic"], field(item.get("isKey", False)))
        value = JSONDeserializer(None, schema_registry_client=client)(bytes.fromhex(item["hex"]), ctx)
        out.setdefault("jsonDecoded", []).append(value)
    for item in job.get("jsonEncode", []):
        serializer = JSONSerializer(item["schema"], client, conf={"auto.register.schemas": True})
        ctx = SerializationContext(item["topic"], field(item.get("isKey", False)))
        out.setdefault("jsonEncoded", []).append(serializer(item["value"], ctx).hex())
    if job.get("ops"):
        out["ops"] = client_ops(client, job["ops"])
    return out


def error_of(fn):
    try:
        fn()
        return None
    except SchemaRegistryError as e:
        return {"http": e.http_status_code, "code": e.error_code}


def client_ops(client, ops):
    subject = ops["subject"]
    v1 = Schema(ops["v1"], "AVRO")
    v2 = Schema(ops["v2"], "AVRO")
    bad = Schema(ops["incompatible"], "AVRO")
    r = {}
    r["id1"] = client.register_schema(subject, v1)
    r["id1again"] = client.register_schema(subject, v1)
    r["id2"] = client.register_schema(subject, v2)
    r["subjects"] = client.get_subjects()
    r["versions"] = client.get_versions(subject)
    latest = client.get_latest_version(subject)
    r["latest"] = {"id": latest.schema_id, "version": latest.version, "subject": latest.subject}
    v = client.get_version(subject, 1)
    r["version1"] = {"id": v.schema_id, "version": v.version, "schema": v.schema.schema_str}
    found = client.lookup_schema(subject, v2)
    r["lookup"] = {"id": found.schema_id, "version": found.version}
    r["schemaById"] = client.get_schema(r["id1"]).schema_str
    r["compatibleV2"] = client.test_compatibility(subject, v2)
    r["compatibleBad"] = client.test_compatibility(subject, bad)
    r["registerBad"] = error_of(lambda: client.register_schema(subject, bad))
    r["setCompat"] = client.set_compatibility(subject, "FULL")
    r["getCompat"] = client.get_compatibility(subject)
    r["missingSubject"] = error_of(lambda: client.get_latest_version("no-such-subject"))
    r["missingId"] = error_of(lambda: client.get_schema(987654))
    r["invalid"] = error_of(lambda: client.register_schema(subject, Schema('{"type":"record","name":"X"}', "AVRO")))
    r["deleteVersion"] = client.delete_version(subject, 1)
    r["versionsAfterDelete"] = client.get_versions(subject)
    r["deleteSubject"] = client.delete_subject(subject)
    r["deleteSubjectPermanent"] = client.delete_subject(subject, permanent=True)
    r["subjectsAfterDelete"] = client.get_subjects()
    return r


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
