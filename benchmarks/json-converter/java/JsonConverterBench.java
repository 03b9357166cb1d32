import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.BufferedOutputStream;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * Apache Kafka's JsonConverter side of the Sluice JsonConverter benchmark (see ../README and
 * ../run.ts). Usage:
 *
 * <pre>java -cp libs/*:classes JsonConverterBench &lt;outDir&gt; &lt;warmupMs&gt; &lt;runMs&gt; &lt;runs&gt;</pre>
 *
 * Writes the encoded bytes of all records in both modes to outDir/expected-schemas-{true,false}.bin
 * (a sequence of [u32 big-endian length][bytes]) for the byte-for-byte cross-check, then measures
 * the four cases and prints one JSON line to stdout.
 */
public final class JsonConverterBench {
    static final int RECORDS = 1000;
    static final String TOPIC = "bench";

    /** Written at the end so the decoded values are observably used. */
    static volatile Object sink;

    static Schema schema() {
        return SchemaBuilder.struct()
                .field("id", Schema.INT64_SCHEMA)
                .field("name", Schema.STRING_SCHEMA)
                .field("email", Schema.STRING_SCHEMA)
                .field("age", Schema.INT32_SCHEMA)
                .field("score", Schema.FLOAT64_SCHEMA)
                .field("active", Schema.BOOLEAN_SCHEMA)
                .field("created_at", Timestamp.SCHEMA)
                .field("balance", Decimal.schema(2))
                .field("note", Schema.OPTIONAL_STRING_SCHEMA)
                .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
                .build();
    }

    static Struct record(Schema schema, int i) {
        return new Struct(schema)
                .put("id", (long) i * 7919L)
                .put("name", "user-" + i)
                .put("email", "user" + i + "@example.com")
                .put("age", 18 + i % 60)
                .put("score", i * 0.25 + 0.5)
                .put("active", i % 2 == 0)
                .put("created_at", new Date(1700000000000L + i * 1000L))
                .put("balance", BigDecimal.valueOf(i * 12345L, 2))
                .put("note", i % 2 == 0 ? null : "note " + i)
                .put("tags", List.of("t" + (i % 5), "x"));
    }

    static JsonConverter converter(boolean schemasEnable) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", Boolean.toString(schemasEnable)), false);
        return c;
    }

    interface Pass {
        /** Runs over all records once; returns a value derived from the outputs. */
        long run();
    }

    static final class CaseResult {
        final String name;
        final double[] runs;
        long checksum;

        CaseResult(String name, double[] runs) {
            this.name = name;
            this.runs = runs;
        }
    }

    /** Repeats whole passes for at least durationNs; returns records per second. */
    static double timed(Pass pass, long durationNs, long[] checksum) {
        long passes = 0;
        long acc = 0;
        long start = System.nanoTime();
        long end = start + durationNs;
        long now;
        do {
            acc += pass.run();
            passes++;
            now = System.nanoTime();
        } while (now < end);
        checksum[0] += acc;
        return (double) (passes * RECORDS) / ((now - start) / 1e9);
    }

    static CaseResult measure(String name, Pass pass, long warmupNs, long runNs, int runs) {
        long[] checksum = new long[1];
        timed(pass, warmupNs, checksum);
        double[] results = new double[runs];
        for (int r = 0; r < runs; r++) {
            results[r] = timed(pass, runNs, checksum);
        }
        CaseResult res = new CaseResult(name, results);
        res.checksum = checksum[0];
        return res;
    }

    static void writeExpected(Path file, byte[][] encoded) throws IOException {
        try (DataOutputStream out =
                new DataOutputStream(new BufferedOutputStream(new FileOutputStream(file.toFile())))) {
            for (byte[] b : encoded) {
                out.writeInt(b.length);
                out.write(b);
            }
        }
    }

    static long peakRssKb() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: JsonConverterBench <outDir> <warmupMs> <runMs> <runs>");
            System.exit(2);
        }
        Path outDir = Paths.get(args[0]);
        long warmupNs = Long.parseLong(args[1]) * 1_000_000L;
        long runNs = Long.parseLong(args[2]) * 1_000_000L;
        int runs = Integer.parseInt(args[3]);
        Files.createDirectories(outDir);

        Schema schema = schema();
        Struct[] structs = new Struct[RECORDS];
        for (int i = 0; i < RECORDS; i++) {
            structs[i] = record(schema, i);
            structs[i].validate();
        }

        List<CaseResult> results = new ArrayList<>();
        int roundTripEqual = 0;
        for (boolean schemasEnable : new boolean[] {true, false}) {
            String mode = schemasEnable ? "on" : "off";
            JsonConverter conv = converter(schemasEnable);
            byte[][] encoded = new byte[RECORDS][];
            for (int i = 0; i < RECORDS; i++) {
                encoded[i] = conv.fromConnectData(TOPIC, schema, structs[i]);
            }
            writeExpected(outDir.resolve("expected-schemas-" + schemasEnable + ".bin"), encoded);
            if (schemasEnable) {
                // Sanity check outside the timed loops: decoding gives back the records that were encoded.
                for (int i = 0; i < RECORDS; i++) {
                    if (structs[i].equals(conv.toConnectData(TOPIC, encoded[i]).value())) roundTripEqual++;
                }
            }

            results.add(measure("encode_schemas_" + mode, () -> {
                long bytes = 0;
                for (int i = 0; i < RECORDS; i++) {
                    bytes += conv.fromConnectData(TOPIC, schema, structs[i]).length;
                }
                return bytes;
            }, warmupNs, runNs, runs));

            results.add(measure("decode_schemas_" + mode, () -> {
                long nonNull = 0;
                Object last = null;
                for (int i = 0; i < RECORDS; i++) {
                    SchemaAndValue sv = conv.toConnectData(TOPIC, encoded[i]);
                    last = sv.value();
                    if (last != null) nonNull++;
                }
                sink = last;
                return nonNull;
            }, warmupNs, runNs, runs));
        }

        StringBuilder json = new StringBuilder();
        json.append("{\"impl\":\"kafka\"");
        json.append(",\"kafkaVersion\":").append(jsonString(AppInfoParser.getVersion()));
        json.append(",\"javaVersion\":").append(jsonString(System.getProperty("java.version")));
        json.append(",\"vm\":").append(jsonString(System.getProperty("java.vm.name") + " "
                + System.getProperty("java.vm.version")));
        json.append(",\"jvmArgs\":").append(jsonString(
                String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())));
        json.append(",\"maxHeapMb\":").append(Runtime.getRuntime().maxMemory() / (1024 * 1024));
        json.append(",\"records\":").append(RECORDS);
        json.append(",\"cases\":{");
        for (int k = 0; k < results.size(); k++) {
            CaseResult r = results.get(k);
            if (k > 0) json.append(',');
            json.append(jsonString(r.name)).append(":{\"runs\":[");
            for (int j = 0; j < r.runs.length; j++) {
                if (j > 0) json.append(',');
                json.append(String.format(Locale.ROOT, "%.1f", r.runs[j]));
            }
            json.append("],\"median\":").append(String.format(Locale.ROOT, "%.1f", median(r.runs)));
            json.append(",\"best\":").append(String.format(Locale.ROOT, "%.1f",
                    Arrays.stream(r.runs).max().orElse(0)));
            json.append(",\"checksum\":").append(r.checksum).append('}');
        }
        json.append("},\"peakRssKb\":").append(peakRssKb());
        json.append(",\"roundTripEqual\":").append(roundTripEqual);
        json.append(",\"sinkIsSet\":").append(sink != null);
        json.append('}');
        System.out.println(json);
    }
}
