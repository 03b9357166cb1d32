/*
 * Writes the golden files of this folder with Apache Kafka Connect's own classes, so the tests
 * compare Sluice's bytes with what a Java worker really writes. Not part of the test run; rerun
 * it only to regenerate (from the repository root, with the Kafka 4.1.1 jars in ~/.m2):
 *
 *   M=~/.m2/repository; K=$M/org/apache/kafka; J=$M/com/fasterxml/jackson
 *   java -cp "$K/connect-runtime/4.1.1/*:$K/connect-api/4.1.1/*:$K/connect-json/4.1.1/*:$K/kafka-clients/4.1.1/*:$J/core/jackson-core/2.19.0/*:$J/core/jackson-databind/2.19.0/*:$J/core/jackson-annotations/2.19.0/*:$J/module/jackson-module-blackbird/2.19.0/*:$J/datatype/jackson-datatype-jdk8/2.19.0/*:$M/org/slf4j/slf4j-api/2.0.17/*" \
 *     packages/runtime/test/distributed/golden/GenerateGolden.java packages/runtime/test/distributed/golden
 *
 * Each file lists named cases; the inputs that JSON can carry are in the file, the rest (Java
 * number types, byte arrays) are repeated by name in the TypeScript test.
 */
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.distributed.ConnectProtocol;
import org.apache.kafka.connect.runtime.distributed.ExtendedAssignment;
import org.apache.kafka.connect.runtime.distributed.ExtendedWorkerState;
import org.apache.kafka.connect.runtime.distributed.IncrementalCooperativeConnectProtocol;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.apache.kafka.connect.util.ConnectorTaskId;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class GenerateGolden {
    static final JsonConverter VALUE = new JsonConverter();
    static final JsonConverter KEY = new JsonConverter();
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void main(String[] args) throws Exception {
        VALUE.configure(Map.of("schemas.enable", false), false);
        KEY.configure(Map.of("schemas.enable", false), true);
        File dir = new File(args[0]);
        write(dir, "config-records.golden.json", configRecords());
        write(dir, "offset-records.golden.json", offsetRecords());
        write(dir, "status-records.golden.json", statusRecords());
        write(dir, "connect-protocol.golden.json", protocol());
    }

    static void write(File dir, String name, Object content) throws Exception {
        MAPPER.writeValue(new File(dir, name), content);
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static Map<String, Object> c(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static String serialize(Struct s) {
        return text(VALUE.fromConnectData("connect-configs", s.schema(), s));
    }

    // ---- config topic: the value structs KafkaConfigBackingStore declares, serialised as it does

    static List<Object> configRecords() {
        List<Object> out = new ArrayList<>();
        Map<String, String> sink = new LinkedHashMap<>();
        sink.put("connector.class", "FileStreamSink");
        sink.put("tasks.max", "2");
        sink.put("topics", "orders");
        sink.put("file", "/tmp/o.txt");
        sink.put("name", "orders-sink");
        Struct s = new Struct(KafkaConfigBackingStore.CONNECTOR_CONFIGURATION_V0).put("properties", sink);
        out.add(c("case", "connector-config", "connector", "orders-sink", "properties", sink,
                "key", "connector-orders-sink", "value", serialize(s)));

        Map<String, String> odd = new LinkedHashMap<>();
        odd.put("quote\"and\\slash", "line\nbreak\ttab");
        odd.put("unicode", "üñí €😀");
        odd.put("control", "\u0001\u001f");
        odd.put("nullable", null);
        odd.put("secret", "${file:/etc/secrets.properties:password}");
        s = new Struct(KafkaConfigBackingStore.CONNECTOR_CONFIGURATION_V0).put("properties", odd);
        out.add(c("case", "connector-config", "connector", "my-conn-1", "properties", odd,
                "key", "connector-my-conn-1", "value", serialize(s)));

        for (int task = 0; task < 2; task++) {
            Map<String, String> tc = new LinkedHashMap<>();
            tc.put("task.class", "org.apache.kafka.connect.file.FileStreamSinkTask");
            tc.put("topics", "orders");
            tc.put("file", "/tmp/o.txt");
            s = new Struct(KafkaConfigBackingStore.TASK_CONFIGURATION_V0).put("properties", tc);
            out.add(c("case", "task-config", "connector", "orders-sink", "task", task, "properties", tc,
                    "key", "task-orders-sink-" + task, "value", serialize(s)));
        }
        for (int tasks : new int[] {2, 0}) {
            s = new Struct(KafkaConfigBackingStore.CONNECTOR_TASKS_COMMIT_V0).put("tasks", tasks);
            out.add(c("case", "commit-tasks", "connector", "orders-sink", "tasks", tasks,
                    "key", "commit-orders-sink", "value", serialize(s)));
        }
        for (String state : new String[] {"STARTED", "PAUSED", "STOPPED"}) {
            // KafkaConfigBackingStore.serializeTargetState: STOPPED keeps PAUSED in the legacy field.
            s = new Struct(KafkaConfigBackingStore.TARGET_STATE_V1)
                    .put("state", state.equals("STOPPED") ? "PAUSED" : state)
                    .put("state.v2", state);
            out.add(c("case", "target-state", "connector", "orders-sink", "state", state,
                    "key", "target-state-orders-sink", "value", serialize(s)));
        }
        s = new Struct(KafkaConfigBackingStore.RESTART_REQUEST_V0)
                .put(KafkaConfigBackingStore.INCLUDE_TASKS_FIELD_NAME, true)
                .put(KafkaConfigBackingStore.ONLY_FAILED_FIELD_NAME, false);
        out.add(c("case", "restart-request", "connector", "orders-sink", "includeTasks", true, "onlyFailed", false,
                "key", KafkaConfigBackingStore.RESTART_KEY("orders-sink"), "value", serialize(s)));
        s = new Struct(KafkaConfigBackingStore.TASK_COUNT_RECORD_V0).put("task-count", 3);
        out.add(c("case", "task-count", "connector", "orders-sink", "taskCount", 3,
                "key", KafkaConfigBackingStore.TASK_COUNT_RECORD_KEY("orders-sink"), "value", serialize(s)));
        byte[] keyBytes = new byte[32];
        for (int i = 0; i < keyBytes.length; i++) keyBytes[i] = (byte) (i * 7 + 3);
        s = new Struct(KafkaConfigBackingStore.SESSION_KEY_V0)
                .put("key", Base64.getEncoder().encodeToString(keyBytes))
                .put("algorithm", "HmacSHA256")
                .put("creation-timestamp", 1700000000123L);
        out.add(c("case", "session-key", "keyBase64", Base64.getEncoder().encodeToString(keyBytes),
                "algorithm", "HmacSHA256", "creationTimestamp", 1700000000123L,
                "key", KafkaConfigBackingStore.SESSION_KEY_KEY, "value", serialize(s)));
        s = new Struct(KafkaConfigBackingStore.LOGGER_LEVEL_V0).put("level", "DEBUG");
        out.add(c("case", "logger-level", "namespace", "org.apache.kafka.connect", "level", "DEBUG",
                "key", KafkaConfigBackingStore.LOGGER_CLUSTER_KEY("org.apache.kafka.connect"), "value", serialize(s)));
        // Deletion: KafkaConfigBackingStore.removeConnectorConfig writes these two tombstones.
        out.add(c("case", "connector-deletion", "connector", "orders-sink",
                "key", KafkaConfigBackingStore.CONNECTOR_KEY("orders-sink"), "value", null));
        out.add(c("case", "connector-deletion", "connector", "orders-sink",
                "key", KafkaConfigBackingStore.TARGET_STATE_KEY("orders-sink"), "value", null));
        return out;
    }

    // ---- offsets topic: OffsetStorageWriter serialises Arrays.asList(connector, partition) and the offset map

    static List<Object> offsetRecords() {
        List<Object> out = new ArrayList<>();
        offset(out, "file", "file-src", Collections.singletonMap("filename", "/data/in.txt"),
                Collections.singletonMap("position", 1024L));
        Map<String, Object> pg = new HashMap<>();
        pg.put("table", "public.orders");
        pg.put("server", "pg1");
        pg.put("database", "inventory");
        pg.put("schema", "public");
        Map<String, Object> lsn = new HashMap<>();
        lsn.put("lsn", 123456789012345678L);
        lsn.put("txId", 42);
        lsn.put("ts_usec", 1700000000000000L);
        offset(out, "multi-key-hashmap", "pg-src", pg, lsn);
        Map<String, Object> thirteen = new HashMap<>();
        for (int i = 0; i < 13; i++) thirteen.put("key" + i, i);
        offset(out, "thirteen-keys", "wide", thirteen, Collections.singletonMap("n", 1));
        Map<String, Object> colliding = new HashMap<>();
        colliding.put("BB", 1); // "BB" and "Aa" have the same String.hashCode
        colliding.put("Aa", 2);
        colliding.put("z", 3);
        offset(out, "colliding-keys", "coll", colliding, Collections.singletonMap("n", 1));
        Map<String, Object> types = new HashMap<>();
        types.put("s", "ü\"\n€");
        types.put("i", 42);
        types.put("l", 9007199254740993L);
        types.put("d", 1.5);
        types.put("neg", -0.001);
        types.put("b", true);
        types.put("n", null);
        types.put("bytes", new byte[] {1, 2, 3, (byte) 255});
        offset(out, "types", "typed", types, types);
        offset(out, "tombstone", "file-src", Collections.singletonMap("filename", "/data/in.txt"), null);
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("zeta", "z");
        ordered.put("alpha", "a");
        offset(out, "insertion-order", "linked", ordered, Collections.singletonMap("pos", 7L));
        offset(out, "integral-double", "dbl", Collections.singletonMap("d", 1.0),
                Collections.singletonMap("ratio", 2.0));
        return out;
    }

    static void offset(List<Object> out, String name, String connector, Map<String, Object> partition,
                       Map<String, Object> offset) {
        byte[] key = KEY.fromConnectData("connect-offsets", null, Arrays.asList(connector, partition));
        byte[] value = VALUE.fromConnectData("connect-offsets", null, offset);
        out.add(c("case", name, "key", text(key), "value", text(value)));
    }

    // ---- status topic: KafkaStatusBackingStore's schemas (private there, declared identically here)

    static final Schema STATUS_SCHEMA_V0 = SchemaBuilder.struct()
            .field("state", Schema.STRING_SCHEMA)
            .field("trace", SchemaBuilder.string().optional().build())
            .field("worker_id", Schema.STRING_SCHEMA)
            .field("generation", Schema.INT32_SCHEMA)
            .build();
    static final Schema TOPIC_STATUS_VALUE_SCHEMA_V0 = SchemaBuilder.struct()
            .field("name", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("task", Schema.INT32_SCHEMA)
            .field("discoverTimestamp", Schema.INT64_SCHEMA)
            .build();
    static final Schema TOPIC_STATUS_SCHEMA_V0 = SchemaBuilder.map(Schema.STRING_SCHEMA, TOPIC_STATUS_VALUE_SCHEMA_V0).build();

    static List<Object> statusRecords() {
        List<Object> out = new ArrayList<>();
        status(out, "connector", "status-connector-orders-sink", "orders-sink", null, "RUNNING", null, "10.0.0.7:8083", 12);
        status(out, "task", "status-task-orders-sink-1", "orders-sink", 1, "FAILED",
                "org.apache.kafka.connect.errors.ConnectException: boom\n\tat Foo.bar(Foo.java:1)\n", "10.0.0.8:8083", 13);
        status(out, "task", "status-task-my-conn-7-3", "my-conn-7", 3, "UNASSIGNED", null, "w:8083", 0);
        status(out, "connector", "status-connector-paused", "paused", null, "PAUSED", null, "w:8083", 2);
        status(out, "connector", "status-connector-stopped", "stopped", null, "STOPPED", null, "w:8083", 2);
        status(out, "task", "status-task-r-0", "r", 0, "RESTARTING", null, "w:8083", 2);
        out.add(c("case", "destroyed", "connector", "gone", "state", "DESTROYED", "trace", null, "workerId", "w:8083",
                "generation", 5, "key", "status-connector-gone", "value", null));
        Struct topic = new Struct(TOPIC_STATUS_VALUE_SCHEMA_V0)
                .put("name", "orders").put("connector", "orders-sink").put("task", 0)
                .put("discoverTimestamp", 1700000000123L);
        byte[] value = VALUE.fromConnectData("connect-status", TOPIC_STATUS_SCHEMA_V0,
                Collections.singletonMap("topic", topic));
        out.add(c("case", "topic", "topic", "orders", "connector", "orders-sink", "task", 0,
                "discoverTimestamp", 1700000000123L, "key", "status-topic-orders:connector-orders-sink",
                "value", text(value)));
        out.add(c("case", "topic", "topic", "orders", "connector", "orders-sink", "task", null,
                "discoverTimestamp", null, "key", "status-topic-orders:connector-orders-sink", "value", null));
        return out;
    }

    static void status(List<Object> out, String kind, String key, String connector, Integer task, String state,
                       String trace, String workerId, int generation) {
        Struct s = new Struct(STATUS_SCHEMA_V0).put("state", state);
        if (trace != null) s.put("trace", trace);
        s.put("worker_id", workerId).put("generation", generation);
        out.add(c("case", kind, "connector", connector, "task", task, "state", state, "trace", trace,
                "workerId", workerId, "generation", generation, "key", key,
                "value", text(VALUE.fromConnectData("connect-status", STATUS_SCHEMA_V0, s))));
    }

    // ---- group protocol: ConnectProtocol (v0) and IncrementalCooperativeConnectProtocol (v1, v2)

    static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static List<ConnectorTaskId> tasks(Object... ct) {
        List<ConnectorTaskId> out = new ArrayList<>();
        for (int i = 0; i < ct.length; i += 2) out.add(new ConnectorTaskId((String) ct[i], (Integer) ct[i + 1]));
        return out;
    }

    static List<Object> protocol() {
        List<Object> out = new ArrayList<>();
        out.add(c("case", "metadata-v0", "hex",
                hex(ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState("http://10.0.0.7:8083/", 42)))));
        ExtendedWorkerState fresh = new ExtendedWorkerState("http://w1:8083/", -1, null);
        out.add(c("case", "metadata-v1-no-allocation", "hex",
                hex(IncrementalCooperativeConnectProtocol.serializeMetadata(fresh, false))));
        ExtendedAssignment owned = new ExtendedAssignment((short) 2, ConnectProtocol.Assignment.NO_ERROR,
                "connect-1-6f1a", "http://w1:8083/", 17L,
                new ArrayList<>(List.of("orders-sink")), tasks("orders-sink", 0, "orders-sink", 1, "pg-src", 0),
                new ArrayList<>(), new ArrayList<>(), 0);
        ExtendedWorkerState busy = new ExtendedWorkerState("http://w2:8083/", 17, owned);
        out.add(c("case", "metadata-v2-allocation", "hex",
                hex(IncrementalCooperativeConnectProtocol.serializeMetadata(busy, true))));
        out.add(c("case", "metadata-v1-allocation", "hex",
                hex(IncrementalCooperativeConnectProtocol.serializeMetadata(busy, false))));

        ConnectProtocol.Assignment eager = new ConnectProtocol.Assignment(ConnectProtocol.Assignment.NO_ERROR,
                "connect-1-6f1a", "http://w1:8083/", 42L, List.of("a"), tasks("a", 0, "a", 1, "b", 0));
        out.add(c("case", "assignment-v0", "hex", hex(ConnectProtocol.serializeAssignment(eager))));

        ExtendedAssignment delta = new ExtendedAssignment((short) 1, ConnectProtocol.Assignment.NO_ERROR,
                "connect-1-6f1a", "http://w1:8083/", 42L,
                List.of("a"), tasks("a", 2, "b", 1),
                List.of("c"), tasks("c", 0, "d", 3),
                0);
        out.add(c("case", "assignment-v1-revocations", "hex",
                hex(IncrementalCooperativeConnectProtocol.serializeAssignment(delta, false))));
        ExtendedAssignment delayed = new ExtendedAssignment((short) 2, ConnectProtocol.Assignment.NO_ERROR,
                "connect-2-9b", "https://w2:8443/", 1234567890123L,
                List.of(), List.of(), List.of(), List.of(), 300000);
        out.add(c("case", "assignment-v2-delay", "hex",
                hex(IncrementalCooperativeConnectProtocol.serializeAssignment(delayed, true))));
        ExtendedAssignment mismatch = new ExtendedAssignment((short) 2, ConnectProtocol.Assignment.CONFIG_MISMATCH,
                "connect-1-6f1a", "http://w1:8083/", 99L,
                List.of(), List.of(), List.of(), List.of(), 0);
        out.add(c("case", "assignment-v2-config-mismatch", "hex",
                hex(IncrementalCooperativeConnectProtocol.serializeAssignment(mismatch, true))));
        return out;
    }
}
