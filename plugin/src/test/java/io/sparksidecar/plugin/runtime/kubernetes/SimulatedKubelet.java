package io.sparksidecar.plugin.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A simulated kubelet for tests: there is no Kubernetes control plane here, so this runs the
 * executor pods a real Spark driver creates in fabric8's mock API server (CRUD mode). For each new
 * executor pod it creates every emptyDir mounted in the executor container as a host directory at
 * its mount path (setgid, group = the pod's {@code fsGroup}, as a kubelet does), runs the native
 * sidecar with the Docker engine ({@code --network host}: one localhost, as a pod's containers
 * share), polls its startup probe with {@code docker exec}, then starts the executor container as a
 * local JVM (Spark's {@code KubernetesExecutorBackend} with the pod's env and the image entrypoint's
 * arguments, this JVM's class path), and writes the pod's status as a kubelet would (phase, pod IP,
 * container statuses with restart counts). {@link #crashSidecar} kills the sidecar; the kubelet
 * restarts it and counts the restart. A deleted pod's processes are stopped. Every wait is bounded.
 */
final class SimulatedKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final Path root;
  private final Map<String, Running> pods = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean closed;

  private static final class Running {
    final String pod;
    final String container;
    Container sidecar;
    Process executor;
    volatile int restarts;
    volatile int lastExit = -1;
    Long fsGroup;

    Running(String pod) {
      this.pod = pod;
      this.container = "simkubelet-" + pod + "-" + System.nanoTime();
    }
  }

  /**
   * fabric8's CRUD dispatcher plus the one thing a real API server does on pod creation that Spark
   * relies on: a new pod has {@code status.phase=Pending} (without it Spark's pod watcher throws
   * NullPointerException on the ADDED event, before any kubelet could write a status).
   */
  static io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher apiServer() {
    return new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher() {
      @Override
      public io.fabric8.mockwebserver.http.MockResponse handleCreate(io.fabric8.mockwebserver.http.RecordedRequest request) {
        if (request.getPath().matches("/api/v1/namespaces/[^/]+/pods(\\?.*)?")) {
          Pod pod = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(request.getUtf8Body(), Pod.class);
          if (pod.getStatus() == null || pod.getStatus().getPhase() == null) {
            pod.setStatus(new PodStatusBuilder().withPhase("Pending").build());
            byte[] body = io.fabric8.kubernetes.client.utils.Serialization.asJson(pod).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            request = new io.fabric8.mockwebserver.http.RecordedRequest(request.getHttpVersion(), request.method(),
                request.getPath(), request.getHeaders(), new io.fabric8.mockwebserver.http.Buffer(body));
          }
        }
        return super.handleCreate(request);
      }
    };
  }

  private final List<Path> extraRoots = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Runs pods whose host paths lie under {@code root}. */
  SimulatedKubelet(KubernetesClient client, String namespace, Path root) {
    this.client = client;
    this.namespace = namespace;
    this.root = root;
    this.thread = new Thread(this::loop, "simulated-kubelet");
    this.thread.setDaemon(true);
  }

  /**
   * Also allows emptyDir mounts under {@code dir} (for images with a fixed volume path, such as the
   * unchanged legacy test image); the caller owns {@code dir} and removes it.
   */
  SimulatedKubelet allowing(Path dir) {
    extraRoots.add(dir);
    return this;
  }

  private boolean allowed(Path dir) {
    return dir.startsWith(root) || extraRoots.stream().anyMatch(dir::startsWith);
  }

  SimulatedKubelet start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (!closed) {
      try {
        List<Pod> list = client.pods().inNamespace(namespace).withLabel("spark-role", "executor").list().getItems();
        for (Pod p : list) {
          String name = p.getMetadata().getName();
          if (!pods.containsKey(name) && p.getMetadata().getDeletionTimestamp() == null) {
            Running r = new Running(name);
            pods.put(name, r);
            run(p, r);
          }
        }
        for (String name : List.copyOf(pods.keySet())) {
          if (list.stream().noneMatch(p -> p.getMetadata().getName().equals(name))) {
            stop(pods.remove(name));
          }
        }
        for (Running r : pods.values()) {
          watchSidecar(r);
        }
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        if (!closed) {
          System.err.println("simulated kubelet: " + e);
        }
      }
    }
  }

  private void run(Pod pod, Running r) throws Exception {
    long t0 = System.nanoTime();
    status(r.pod, "Pending", null, false);
    Container executor = pod.getSpec().getContainers().get(0);
    Container sidecar = pod.getSpec().getInitContainers().stream()
        .filter(c -> c.getName().equals(SidecarPodSpec.CONTAINER_NAME)).findFirst().orElseThrow();
    r.sidecar = sidecar;
    Long fsGroup = pod.getSpec().getSecurityContext() == null ? null : pod.getSpec().getSecurityContext().getFsGroup();
    r.fsGroup = fsGroup;
    for (VolumeMount m : executor.getVolumeMounts()) {
      boolean emptyDir = pod.getSpec().getVolumes().stream().anyMatch(v -> v.getName().equals(m.getName()) && v.getEmptyDir() != null);
      if (emptyDir) {
        Path dir = Path.of(m.getMountPath());
        if (!allowed(dir)) {
          throw new IllegalStateException("emptyDir mount " + dir + " is outside the simulated node's root " + root);
        }
        Files.createDirectories(dir);
        if (fsGroup != null) {
          exec(List.of("chgrp", String.valueOf(fsGroup), dir.toString()), 10);
        }
        exec(List.of("chmod", "2777", dir.toString()), 10);
      }
    }
    startSidecar(r);
    long t1 = System.nanoTime();
    awaitStartupProbe(r);
    long t2 = System.nanoTime();
    status(r.pod, "Running", r, true);
    r.executor = startExecutor(executor, r.pod);
    System.err.printf("simulated kubelet: %s: sidecar container started in %d ms, startup probe passed after %d ms more,"
        + " executor JVM started%n", r.pod, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  private void startSidecar(Running r) throws Exception {
    Container c = r.sidecar;
    List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--name", r.container + "-" + r.restarts,
        "--network", "host", "--label", "simulated-kubelet=" + r.pod));
    if (c.getSecurityContext() != null && c.getSecurityContext().getRunAsUser() != null) {
      cmd.addAll(List.of("--user", String.valueOf(c.getSecurityContext().getRunAsUser())));
    }
    if (r.fsGroup != null) {
      cmd.addAll(List.of("--group-add", String.valueOf(r.fsGroup))); // a pod's fsGroup is a supplementary group of its containers
    }
    for (VolumeMount m : c.getVolumeMounts()) {
      if (allowed(Path.of(m.getMountPath()))) {
        cmd.addAll(List.of("-v", m.getMountPath() + ":" + m.getMountPath()));
      }
    }
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null) {
        cmd.addAll(List.of("-e", e.getName() + "=" + e.getValue()));
      }
    }
    List<String> command = c.getCommand();
    if (!command.isEmpty()) {
      cmd.addAll(List.of("--entrypoint", command.get(0)));
    }
    cmd.add(c.getImage());
    if (!command.isEmpty()) {
      cmd.addAll(command.subList(1, command.size()));
    }
    cmd.addAll(c.getArgs());
    exec(cmd, 30);
  }

  /** Polls the sidecar's startup probe as a kubelet does: exec in the container, HTTP GET or TCP connect on the pod IP. */
  private void awaitStartupProbe(Running r) throws Exception {
    io.fabric8.kubernetes.api.model.Probe probe = r.sidecar.getStartupProbe();
    if (probe == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (passes(r, probe)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("startup probe of " + r.pod + " never passed");
  }

  private boolean passes(Running r, io.fabric8.kubernetes.api.model.Probe probe) throws Exception {
    if (probe.getExec() != null) {
      List<String> cmd = new ArrayList<>(List.of("docker", "exec", r.container + "-" + r.restarts));
      cmd.addAll(probe.getExec().getCommand());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
    if (probe.getHttpGet() != null) {
      int port = probe.getHttpGet().getPort().getIntVal();
      try {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection)
            java.net.URI.create("http://127.0.0.1:" + port + probe.getHttpGet().getPath()).toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(1000);
        int code = c.getResponseCode();
        c.disconnect();
        return code >= 200 && code < 400; // a kubelet's success range
      } catch (IOException notYet) {
        return false;
      }
    }
    if (probe.getTcpSocket() != null) {
      try (java.net.Socket socket = new java.net.Socket()) {
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", probe.getTcpSocket().getPort().getIntVal()), 1000);
        return true;
      } catch (IOException notYet) {
        return false;
      }
    }
    return true;
  }

  /** How many sidecar containers this kubelet runs now (for "nothing left" checks). */
  int runningSidecars() throws Exception {
    Process p = new ProcessBuilder("docker", "ps", "-q", "--filter", "label=simulated-kubelet").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor(10, TimeUnit.SECONDS);
    return out.isEmpty() ? 0 : out.split("\\s+").length;
  }

  /** Restarts an exited sidecar (restartPolicy Always), counting it, as a kubelet does. */
  private void watchSidecar(Running r) throws Exception {
    if (r.sidecar == null || r.executor == null) {
      return;
    }
    Process p = new ProcessBuilder("docker", "inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", r.container + "-" + r.restarts)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor(10, TimeUnit.SECONDS);
    if (out.startsWith("false")) {
      r.lastExit = Integer.parseInt(out.split(" ")[1]);
      exec(List.of("docker", "rm", "-f", r.container + "-" + r.restarts), 30);
      r.restarts++;
      status(r.pod, "Running", r, false);
      startSidecar(r);
      status(r.pod, "Running", r, true);
    }
  }

  /** How often this kubelet restarted the sidecar of {@code pod}. */
  int restarts(String pod) {
    Running r = pods.get(pod);
    return r == null ? -1 : r.restarts;
  }

  /** Kills the sidecar of {@code pod} (SIGKILL, exit 137). */
  void crashSidecar(String pod) throws Exception {
    Running r = pods.get(pod);
    exec(List.of("docker", "kill", r.container + "-" + r.restarts), 30);
  }

  private Process startExecutor(Container c, String pod) throws IOException {
    Map<String, String> env = new java.util.HashMap<>();
    for (EnvVar e : c.getEnv()) {
      String v = e.getValue();
      if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        v = switch (e.getValueFrom().getFieldRef().getFieldPath()) {
          case "status.podIP" -> "127.0.0.1";
          case "metadata.name" -> pod;
          default -> "";
        };
      }
      env.put(e.getName(), v == null ? "" : v);
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Xmx512m"));
    env.keySet().stream().filter(k -> k.startsWith("SPARK_JAVA_OPT_")).sorted().forEach(k -> cmd.add(env.get(k)));
    cmd.addAll(List.of("org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend", "--driver-url",
        env.get("SPARK_DRIVER_URL"), "--executor-id", env.get("SPARK_EXECUTOR_ID"), "--cores", env.get("SPARK_EXECUTOR_CORES"),
        "--app-id", env.get("SPARK_APPLICATION_ID"), "--hostname", env.get("SPARK_EXECUTOR_POD_IP"), "--resourceProfileId",
        env.getOrDefault("SPARK_RESOURCE_PROFILE_ID", "0"), "--podName", pod));
    Path workDir = Files.createDirectories(root.resolve("work-" + pod));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(workDir.resolve("stderr").toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  private void status(String pod, String phase, Running r, boolean sidecarRunning) {
    List<ContainerStatus> init = new ArrayList<>();
    if (r != null) {
      ContainerStatusBuilder b = new ContainerStatusBuilder().withName(SidecarPodSpec.CONTAINER_NAME).withRestartCount(r.restarts)
          .withStarted(sidecarRunning).withReady(sidecarRunning);
      if (sidecarRunning) {
        b.withNewState().withNewRunning().endRunning().endState();
      } else {
        b.withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState();
      }
      if (r.lastExit >= 0) {
        b.withNewLastState().withNewTerminated().withExitCode(r.lastExit).withReason("Error").endTerminated().endLastState();
      }
      init.add(b.build());
    }
    if (client.pods().inNamespace(namespace).withName(pod).get() == null) {
      return; // deleted meanwhile (the driver removes executor pods when it stops)
    }
    client.pods().inNamespace(namespace).withName(pod).editStatus(p -> {
      p.setStatus(new PodStatusBuilder().withPhase(phase).withPodIP("127.0.0.1").withInitContainerStatuses(init)
          .withContainerStatuses(new ContainerStatusBuilder().withName("spark-kubernetes-executor").withRestartCount(0)
              .withReady("Running".equals(phase)).withNewState().withNewRunning().endRunning().endState().build())
          .build());
      return p;
    });
  }

  private void stop(Running r) {
    if (r == null) {
      return;
    }
    if (r.executor != null) {
      r.executor.destroy();
      try {
        if (!r.executor.waitFor(10, TimeUnit.SECONDS)) {
          r.executor.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      exec(List.of("sh", "-c", "docker ps -aq --filter label=simulated-kubelet=" + r.pod + " | xargs -r docker rm -f"), 30);
    } catch (Exception e) {
      System.err.println("simulated kubelet: cannot remove the sidecar of " + r.pod + ": " + e);
    }
  }

  private static void exec(List<String> cmd, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd.subList(0, Math.min(4, cmd.size()))) + " failed: " + out);
    }
  }

  /** The executor JVM's output of {@code pod}, for failure messages. */
  String executorLog(String pod) {
    try {
      return Files.readString(root.resolve("work-" + pod).resolve("stderr"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops the loop, every executor JVM and every sidecar container it started. */
  @Override
  public void close() throws InterruptedException {
    closed = true; // not interrupted: a docker rm in flight must finish
    thread.join(60_000);
    pods.values().forEach(this::stop);
    pods.clear();
  }
}
