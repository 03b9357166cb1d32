"""Runs Confluent's own Python client (confluent-kafka's ProtobufSerializer/ProtobufDeserializer)
against a registry, for Sluice's ProtobufConverter interop tests. Message classes are generated at
run time with protoc (grpcio-tools) from the .proto text given (the text Sluice registered).

Reads one JSON job on stdin, writes one JSON answer on stdout.
"""
import base64
import importlib
import json
import os
import sys
import tempfile

from google.protobuf import descriptor_pb2, json_format, timestamp_pb2, wrappers_pb2
from google.type import date_pb2, timeofday_pb2
from grpc_tools import protoc

import confluent_kafka.schema_registry.confluent as confluent_pkg
import confluent_kafka.schema_registry.confluent.meta_pb2 as meta_pb2
import confluent_kafka.schema_registry.confluent.type as confluent_type_pkg
import confluent_kafka.schema_registry.confluent.type.decimal_pb2 as decimal_pb2
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

# The generated code imports Confluent's files as `confluent.*`: use the client's own modules.
sys.modules.setdefault("confluent", confluent_pkg)
sys.modules.setdefault("confluent.meta_pb2", meta_pb2)
sys.modules.setdefault("confluent.type", confluent_type_pkg)
sys.modules.setdefault("confluent.type.decimal_pb2", decimal_pb2)

KNOWN = [descriptor_pb2, timestamp_pb2, wrappers_pb2, date_pb2, timeofday_pb2, decimal_pb2, meta_pb2]
_counter = [0]


_compiled = {}


def compile_proto(workdir, text):
    """Compiles .proto text with protoc and answers the generated module (once per text)."""
    text = text.strip() + "\n"
    if text in _compiled:
        return _compiled[text]
    _counter[0] += 1
    name = "gen%d" % _counter[0]
    with open(os.path.join(workdir, name + ".proto"), "w") as f:
        f.write(text)
    known = descriptor_pb2.FileDescriptorSet()
    for mod in KNOWN:
        fdp = known.file.add()
        mod.DESCRIPTOR.CopyToProto(fdp)
    known_path = os.path.join(workdir, "known.pb")
    with open(known_path, "wb") as f:
        f.write(known.SerializeToString())
    rc = protoc.main(["protoc", "--descriptor_set_in=" + known_path, "-I" + workdir,
                      "--python_out=" + workdir, os.path.join(workdir, name + ".proto")])
    if rc != 0:
        raise RuntimeError("protoc failed on:\n" + text)
    if workdir not in sys.path:
        sys.path.insert(0, workdir)
    _compiled[text] = importlib.import_module(name + "_pb2")
    return _compiled[text]


def message_class(module, full_name):
    desc = module.DESCRIPTOR
    short = full_name[len(desc.package) + 1:] if desc.package else full_name
    parts = short.split(".")
    cls = getattr(module, parts[0])
    for p in parts[1:]:
        cls = getattr(cls, p)
    return cls


def field(is_key):
    return MessageField.KEY if is_key else MessageField.VALUE


def run(job):
    client = SchemaRegistryClient({"url": job["url"]})
    out = {"decoded": [], "encoded": [], "registered": [], "descriptors": []}
    workdir = tempfile.mkdtemp(prefix="sluice-pb-")
    for item in job.get("decode", []):
        data = bytes.fromhex(item["hex"])
        schema_id = int.from_bytes(data[1:5], "big")
        text = client.get_schema(schema_id).schema_str
        module = compile_proto(workdir, text)
        cls = message_class(module, item["message"])
        ctx = SerializationContext(item["topic"], field(item.get("isKey", False)))
        msg = ProtobufDeserializer(cls, {"use.deprecated.format": False}, schema_registry_client=client)(data, ctx)
        out["decoded"].append(json_format.MessageToDict(msg, preserving_proto_field_name=True))
        out["descriptors"].append(base64.standard_b64encode(module.DESCRIPTOR.serialized_pb).decode("ascii"))
    for item in job.get("encode", []):
        if item.get("proto") is None:
            # A well-known message (e.g. google.protobuf.StringValue) from the protobuf runtime.
            cls = getattr(wrappers_pb2, item["message"].split(".")[-1])
        else:
            module = compile_proto(workdir, item["proto"])
            cls = message_class(module, item["message"])
        msg = json_format.ParseDict(item["value"], cls())
        ser = ProtobufSerializer(cls, client, {"auto.register.schemas": True, "use.deprecated.format": False})
        ctx = SerializationContext(item["topic"], field(item.get("isKey", False)))
        out["encoded"].append(ser(msg, ctx).hex())
        subject = item["topic"] + ("-key" if item.get("isKey") else "-value")
        latest = client.get_latest_version(subject)
        out["registered"].append({
            "schema": latest.schema.schema_str,
            "references": [{"name": r.name, "subject": r.subject, "version": r.version}
                           for r in (latest.schema.references or [])],
        })
    for text, scale in job.get("decimals", []):
        # Confluent's own Decimal conversion (what its serializers write for a Decimal value).
        from decimal import Decimal
        from confluent_kafka.schema_registry.common.protobuf import decimal_to_protobuf
        out.setdefault("decimals", []).append(decimal_to_protobuf(Decimal(text), scale).SerializeToString().hex())
    return out


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
