package io.sparksidecar.plugin.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import io.sparksidecar.plugin.config.SidecarSettings;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;

/**
 * A small detached JVM per executor that removes the executor's containers once the executor JVM
 * is gone, however it went (SIGKILL included): it polls the owner's pid and start time every
 * 500 ms, then removes every container labelled with that owner, and exits. Started by the first
 * container start of an executor; costs one small JVM (-Xmx24m, serial GC) per executor.
 */
public final class Watchdog {
  private static volatile boolean started;

  public static void main(String[] args) throws Exception {
    Owner owner = Owner.parse(args[0]).orElseThrow(() -> new IllegalArgumentException("bad owner " + args[0]));
    while (owner.alive()) {
      Thread.sleep(500);
    }
    try (DockerClient docker = DockerClients.create(args[1], args[2])) {
      int n = Sweeper.removeOwnedBy(docker, owner.id());
      System.err.println("spark-sidecar watchdog: owner " + owner.id() + " is gone; removed " + n + " container(s)");
    }
  }

  /** Starts this JVM's watchdog once; a failure to start it is reported, not fatal. */
  static synchronized void ensureRunning(Owner owner, SidecarSettings settings) {
    if (started) {
      return;
    }
    started = true;
    try {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      new ProcessBuilder(java.toString(), "-Xmx24m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
          "-cp", classpath(), Watchdog.class.getName(), owner.id(), settings.dockerHost(), settings.dockerApiVersion())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("sidecar-watchdog.log")))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (Exception e) {
      System.err.println("spark-sidecar: cannot start the container watchdog (containers of a killed executor are then"
          + " removed by the next executor start on this host): " + e);
    }
  }

  /**
   * The shaded plugin jar when running from it (it holds docker-java) plus the SLF4J API the
   * executor has (Spark provides it, so the jar does not bundle it); else this JVM's classpath.
   */
  static String classpath() throws Exception {
    Path self = jarOf(Watchdog.class);
    if (self.toString().endsWith(".jar")) {
      try (JarFile jar = new JarFile(self.toFile())) {
        if (jar.stream().anyMatch(e -> e.getName().contains("dockerjava/api/DockerClient"))) {
          return self + File.pathSeparator + jarOf(org.slf4j.LoggerFactory.class);
        }
      }
    }
    return String.join(File.pathSeparator, List.of(System.getProperty("java.class.path")));
  }

  private static Path jarOf(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private Watchdog() {}
}
