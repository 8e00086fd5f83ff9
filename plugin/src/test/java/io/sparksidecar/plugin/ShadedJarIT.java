package io.sparksidecar.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The drop-in jar holds our packages and relocated ones only, and no relocated type leaks into our public API. */
class ShadedJarIT {
  static Path shadedJar() throws Exception {
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      return s.filter(p -> p.getFileName().toString().endsWith("-shaded.jar")).findFirst()
          .orElseThrow(() -> new AssertionError("no *-shaded.jar in plugin/target: run mvn package"));
    }
  }

  @Test
  void holdsOnlyOurPackagesRelocatedOnesAndJna() throws Exception {
    List<String> strays = new ArrayList<>();
    List<String> ours = new ArrayList<>();
    try (JarFile jar = new JarFile(shadedJar().toFile())) {
      for (JarEntry e : Collections.list(jar.entries())) {
        String n = e.getName();
        if (e.isDirectory()) {
          continue;
        }
        if (n.startsWith("io/sparksidecar/shaded/")) {
          continue;
        }
        if (n.startsWith("io/sparksidecar/")) {
          ours.add(n);
        } else if (n.startsWith("com/sun/jna/")) {
          continue; // JNA cannot be relocated: its native library binds to these class names
        } else if (n.startsWith("META-INF/") && !n.endsWith(".class")) {
          continue;
        } else {
          strays.add(n);
        }
      }
    }
    assertThat(strays).as("entries outside our packages, not relocated").isEmpty();
    assertThat(ours).contains("io/sparksidecar/plugin/SidecarPlugin.class", "io/sparksidecar/protocol/Volume.class",
        "io/sparksidecar/protocol/agent/sidecar-agent.sh");
  }

  @Test
  void noRelocatedTypeInThePublicApi() throws Exception {
    List<String> leaks = new ArrayList<>();
    List<String> checked = new ArrayList<>();
    try (JarFile jar = new JarFile(shadedJar().toFile());
         URLClassLoader deps = new URLClassLoader(thirdPartyClasspath(), ClassLoader.getPlatformClassLoader());
         URLClassLoader loader = new URLClassLoader(new URL[] {shadedJar().toUri().toURL()}, deps)) {
      for (JarEntry e : Collections.list(jar.entries())) {
        String n = e.getName();
        if (!n.endsWith(".class") || n.startsWith("io/sparksidecar/shaded/") || !n.startsWith("io/sparksidecar/")) {
          continue;
        }
        Class<?> c;
        try {
          c = Class.forName(n.replace('/', '.').replace(".class", ""), false, loader);
        } catch (Throwable t) {
          continue; // needs Spark on the class path: checked through the classes that load
        }
        if (!Modifier.isPublic(c.getModifiers())) {
          continue;
        }
        checked.add(c.getSimpleName());
        for (Method m : c.getDeclaredMethods()) {
          if (Modifier.isPublic(m.getModifiers())) {
            check(c, m.getName(), m.getGenericReturnType(), leaks);
            Arrays.stream(m.getGenericParameterTypes()).forEach(t -> check(c, m.getName(), t, leaks));
          }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
          if (Modifier.isPublic(k.getModifiers())) {
            Arrays.stream(k.getGenericParameterTypes()).forEach(t -> check(c, "<init>", t, leaks));
          }
        }
      }
    }
    assertThat(checked).as("public classes inspected").contains("SidecarPlugin", "Sidecars", "Sidecar",
        "SidecarDriverPlugin", "SidecarExecutorPlugin", "Volume", "Handoff", "DockerRuntime", "Supervisor");
    assertThat(leaks).isEmpty();
  }

  /** Spark, Scala and the rest of the test class path, without our modules and what the jar bundles. */
  private static URL[] thirdPartyClasspath() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (entry.contains("/target/") || entry.contains("spark-sidecar") || entry.contains("docker-java")
          || entry.contains("jackson") || entry.contains("bcp") || entry.contains("guava")) {
        continue;
      }
      urls.add(Path.of(entry).toUri().toURL());
    }
    return urls.toArray(new URL[0]);
  }

  private static void check(Class<?> owner, String member, Type t, List<String> leaks) {
    if (t.getTypeName().contains("io.sparksidecar.shaded")) {
      leaks.add(owner.getName() + "#" + member + ": " + t.getTypeName());
    }
  }
}
