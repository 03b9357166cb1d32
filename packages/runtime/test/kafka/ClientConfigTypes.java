/*
 * Prints the type of every key of Apache Kafka's Java producer, consumer and admin client configs
 * (ProducerConfig / ConsumerConfig / AdminClientConfig .configDef()), the body of
 * packages/runtime/src/log/kafka/java-client-config-types.ts. Regenerate with the jars the REST golden
 * recorder fetches (packages/runtime/test/rest/goldens/record.ts):
 *
 *   java -cp ".cache/kafka-connect-4.1.1-rest/libs/*" packages/runtime/test/kafka/ClientConfigTypes.java
 */
import java.util.*;
import org.apache.kafka.common.config.ConfigDef;
public class ClientConfigTypes {
  static void dump(String kind, ConfigDef def) {
    TreeMap<String, String> m = new TreeMap<>();
    for (ConfigDef.ConfigKey k : def.configKeys().values()) m.put(k.name, k.type.name());
    StringBuilder sb = new StringBuilder();
    for (var e : m.entrySet()) sb.append("    '").append(e.getKey()).append("': '").append(e.getValue()).append("',\n");
    System.out.print("  " + kind + ": {\n" + sb + "  },\n");
  }
  public static void main(String[] a) {
    dump("producer", org.apache.kafka.clients.producer.ProducerConfig.configDef());
    dump("consumer", org.apache.kafka.clients.consumer.ConsumerConfig.configDef());
    dump("admin", org.apache.kafka.clients.admin.AdminClientConfig.configDef());
  }
}
