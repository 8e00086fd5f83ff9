package io.sparksidecar.it;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real standalone cluster from Maven jars: a Master and a Worker, each its own JVM, started the
 * way spark-class would (ENVIRONMENT.md): classpath $SPARK_HOME/jars/*, SPARK_SCALA_VERSION set.
 * Ready when the Worker has registered; stopped Worker first, then Master, with SIGTERM.
 */
final class StandaloneCluster implements AutoCloseable {
  private final Process master;
  private final Process worker;
  final String url;
  final Path workDir;

  private StandaloneCluster(Process master, Process worker, String url, Path workDir) {
    this.master = master;
    this.worker = worker;
    this.url = url;
    this.workDir = workDir;
  }

  static StandaloneCluster start(Path dir, int cores) throws Exception {
    String sparkHome = System.getenv("SPARK_HOME");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "spark://127.0.0.1:" + port;
    Path work = Files.createDirectories(dir.resolve("work"));
    Process master = jvm(sparkHome, dir.resolve("master.log"), "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0");
    Process worker = null;
    try {
      worker = jvm(sparkHome, dir.resolve("worker.log"), "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
          "--cores", String.valueOf(cores), "--memory", "2g", "--webui-port", "0", "--work-dir", work.toString(), url);
      long deadline = System.currentTimeMillis() + 60_000;
      while (!Files.readString(dir.resolve("worker.log")).contains("Successfully registered with master")) {
        if (!master.isAlive() || !worker.isAlive() || System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("standalone cluster did not come up; worker log:\n"
              + Files.readString(dir.resolve("worker.log")));
        }
        Thread.sleep(100);
      }
      return new StandaloneCluster(master, worker, url, work);
    } catch (Exception e) {
      stop(worker);
      stop(master);
      throw e;
    }
  }

  private static Process jvm(String sparkHome, Path log, String mainClass, String... args) throws IOException {
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", sparkHome + "/jars/*", mainClass));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("SPARK_HOME", sparkHome);
    return pb.start();
  }

  private static void stop(Process p) throws InterruptedException {
    if (p != null) {
      p.destroy(); // SIGTERM
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  @Override
  public void close() throws Exception {
    stop(worker);
    stop(master);
  }
}
