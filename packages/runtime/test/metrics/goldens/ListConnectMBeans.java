// Prints every MBean under kafka.connect:* of a JVM reached over JMX (remote port, no auth/SSL):
// one line per attribute, "<ObjectName>\t<attribute>\t<class of the value>\t<value>", sorted.
// Used by generate.ts; run as a single-file program: java ListConnectMBeans.java <port>
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public class ListConnectMBeans {
  public static void main(String[] args) throws Exception {
    JMXServiceURL url =
        new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + args[0] + "/jmxrmi");
    try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
      MBeanServerConnection server = connector.getMBeanServerConnection();
      Set<ObjectName> names = server.queryNames(new ObjectName("kafka.connect:*"), null);
      List<String> lines = new ArrayList<>();
      for (ObjectName name : names) {
        for (MBeanAttributeInfo attr : server.getMBeanInfo(name).getAttributes()) {
          Object value;
          try {
            value = server.getAttribute(name, attr.getName());
          } catch (Exception e) {
            value = "<" + e.getClass().getSimpleName() + ">";
          }
          // Kafka's metrics MBeans declare every attribute "double"; the value's class tells.
          String type = value == null ? attr.getType() : value.getClass().getName();
          lines.add(name.getCanonicalName() + "\t" + attr.getName() + "\t" + type + "\t" + value);
        }
      }
      lines.sort(null);
      for (String line : lines) System.out.println(line);
    }
  }
}
