"""Drives a Sluice worker over HTTPS with Kafka's basic-auth extension through the Python Kafka
Connect clients from PyPI (kafka-connect-py's KafkaConnect, kafka-connect-api's Api/Cluster).
Arguments: URL CA_FILE USER:PASSWORD VIEWER_USER:PASSWORD SOURCE_FILE. Prints one JSON line per step."""
import json
import os
import sys
import time

import requests
from kafka_connect.kafka_connect import KafkaConnect
from kafka_connect_api.kafka_connect_api import Api, Cluster

url, ca, admin_auth, viewer_auth, source_file = sys.argv[1:6]


def step(name, value):
    print(json.dumps({"step": name, "value": value}), flush=True)


def wait_state(read, want, timeout=30):
    deadline = time.time() + timeout
    state = None
    while time.time() < deadline:
        state = read()
        if state == want:
            return state
        time.sleep(0.2)
    return state


# kafka-connect-py: requests' `verify` takes the CA file.
kc = KafkaConnect(url=url, auth=admin_auth, ssl_verify=ca)
step("cluster", kc.get_cluster_info())
created = kc.create_connector(
    {
        "name": "py-file-source",
        "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "tasks.max": "1",
            "file": source_file,
            "topic": "py-topic",
        },
    }
)
step("created", created["name"])
step("list", kc.list_connectors())
running = wait_state(lambda: kc.get_connector_status("py-file-source")["connector"]["state"], "RUNNING")
step("status", running)
task = wait_state(
    lambda: (kc.get_connector_status("py-file-source")["tasks"] or [{}])[0].get("state"), "RUNNING"
)
step("task", task)
kc.pause_connector("py-file-source")
step("paused", wait_state(lambda: kc.get_connector_status("py-file-source")["connector"]["state"], "PAUSED"))
kc.resume_connector("py-file-source")
step("resumed", wait_state(lambda: kc.get_connector_status("py-file-source")["connector"]["state"], "RUNNING"))

# kafka-connect-api: verify=True, so requests reads the CA from REQUESTS_CA_BUNDLE.
os.environ["REQUESTS_CA_BUNDLE"] = ca
user, password = admin_auth.split(":", 1)
cluster = Cluster(Api(url=url, username=user, password=password))
step("api-version", cluster.version)
step("api-connectors", sorted(cluster.connectors.keys()))
connector = cluster.connectors["py-file-source"]
step("api-state", connector.state)

# A wrong password and a viewer's write are refused with Kafka's and Sluice's codes.
bad = KafkaConnect(url=url, auth=f"{user}:wrong", ssl_verify=ca)
try:
    bad.list_connectors()
    step("wrong-password", 200)
except requests.exceptions.HTTPError as e:
    step("wrong-password", e.response.status_code)
viewer = KafkaConnect(url=url, auth=viewer_auth, ssl_verify=ca)
step("viewer-list", viewer.list_connectors())
try:
    viewer.pause_connector("py-file-source")
    step("viewer-pause", 202)
except requests.exceptions.HTTPError as e:
    step("viewer-pause", e.response.status_code)
# Without the CA the client refuses the worker's certificate.
del os.environ["REQUESTS_CA_BUNDLE"]
try:
    KafkaConnect(url=url, auth=admin_auth).list_connectors()
    step("untrusted", "accepted")
except requests.exceptions.SSLError:
    step("untrusted", "ssl-error")

kc.delete_connector("py-file-source")
step("deleted", kc.list_connectors())
