package io.sparksidecar.it;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A driver in a JVM of its own, with exactly the classpath a user's driver has: the plugin jar and a
 * Spark distribution's jars. It starts an application with the plugin and the UI (local mode, a
 * process sidecar), waits for the sidecar to be READY, GETs each path given as argument from the
 * UI and prints {@code STATUS <path> <code> <content type>} and {@code BODY <path> <body on one line>};
 * then {@code JAR <where the plugin's UI class came from>} and {@code SPARK <version>}. Used by
 * {@link SidecarsTabIT} to run the very jar built against Spark 4.1.1 on the driver of each Spark line.
 */
public final class UiProbe {
  private UiProbe() {}

  public static void main(String[] paths) throws Exception {
    SparkConf conf = new SparkConf().setMaster("local[1]").setAppName("ui-probe")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.port", "0")
        .set("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin").set("spark.sidecar.runtime", "process")
        .set("spark.sidecar.command", "sleep 600").set("spark.sidecar.stopTimeout", "2s");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (SidecarDriverPlugin.registry().count(Supervisor.State.READY, System.currentTimeMillis()) < 1) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("no READY sidecar within 60 s:\n" + SidecarDriverPlugin.statusReport());
        }
        Thread.sleep(100);
      }
      String ui = sc.sc().uiWebUrl().get();
      HttpClient http = HttpClient.newHttpClient();
      for (String path : paths) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ui + path)).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println("STATUS " + path + " " + r.statusCode() + " " + r.headers().firstValue("content-type").orElse(""));
        System.out.println("BODY " + path + " " + r.body().replace('\n', ' '));
      }
      System.out.println("JAR " + Class.forName("io.sparksidecar.plugin.ui.SidecarsUi").getProtectionDomain().getCodeSource()
          .getLocation());
      System.out.println("SPARK " + sc.version());
    }
  }
}
