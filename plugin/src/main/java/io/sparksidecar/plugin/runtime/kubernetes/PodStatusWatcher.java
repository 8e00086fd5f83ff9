package io.sparksidecar.plugin.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.health.ObservedStatus;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.deploy.k8s.Config$;
import org.apache.spark.deploy.k8s.KubernetesUtils$;
import org.apache.spark.deploy.k8s.SparkKubernetesClientFactory$;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * The driver's reader of what Spark ignores: the sidecar container's status in every executor pod
 * of the application ({@code initContainerStatuses} for a native sidecar, {@code containerStatuses}
 * for a regular one): the kubelet's restart count, the state (waiting or terminated, with reason and
 * exit code) and the last termination. Each poll lists the application's executor pods (labels
 * {@code spark-app-selector=<app id>}, {@code spark-role=executor}) in Spark's namespace and hands
 * one {@link ObservedStatus} per executor to the sink, which merges them into the registry.
 *
 * <p>Threads: {@link #start} runs the polls on one daemon thread, every health interval; a poll that
 * fails (API server unreachable, no permission to list pods) is logged once per distinct message and
 * retried at the next interval; it never stops the thread. {@link #pollOnce} runs one poll on the
 * caller's thread and blocks for one API call (bounded by the client's request timeout). The client
 * is Spark's own (the scheduler backend's, same namespace, credentials and TLS), looked up lazily on
 * the first poll: at plugin init it does not exist yet.
 */
public final class PodStatusWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodStatusWatcher.class);
  /** Spark's labels on executor pods (Constants.SPARK_APP_ID_LABEL, SPARK_ROLE_LABEL, SPARK_EXECUTOR_ID_LABEL). */
  static final String APP_LABEL = "spark-app-selector";
  static final String ROLE_LABEL = "spark-role";
  static final String EXECUTOR_LABEL = "spark-exec-id";
  /** Waiting reasons of a container that has not started yet: not a problem. */
  private static final Set<String> STARTING = Set.of("ContainerCreating", "PodInitializing");

  private final Supplier<KubernetesClient> clients;
  private final String namespace;
  private final Supplier<String> appId;
  private final int maxRestarts;
  private final Duration interval;
  private final Consumer<List<ObservedStatus>> sink;
  private volatile KubernetesClient client;
  private volatile KubernetesClient owned; // built here (not Spark's): closed by close()
  private volatile Thread thread;
  private volatile boolean closed;
  private String lastError = "";
  private volatile KubeletRestarts restarts = new KubeletRestarts(Duration.ofDays(36_500)); // the pod's life, until a window is set

  PodStatusWatcher(Supplier<KubernetesClient> clients, String namespace, Supplier<String> appId, int maxRestarts,
      Duration interval, Consumer<List<ObservedStatus>> sink) {
    this.clients = clients;
    this.namespace = namespace;
    this.appId = appId;
    this.maxRestarts = maxRestarts;
    this.interval = interval;
    this.sink = sink;
  }

  /**
   * The watcher of a driver on Kubernetes (not started). Does not block: Spark's client is looked
   * up at the first poll.
   *
   * @param maxRestarts {@code spark.sidecar.maxRestarts}: more kubelet restarts than that, with the
   *                    container not running, count as a failure the failure policy acts on
   */
  public static PodStatusWatcher forSparkContext(SparkContext sc, int maxRestarts, Duration interval,
      Consumer<List<ObservedStatus>> sink) {
    String namespace = sc.conf().get(Config$.MODULE$.KUBERNETES_NAMESPACE());
    PodStatusWatcher[] self = new PodStatusWatcher[1];
    self[0] = new PodStatusWatcher(() -> {
      KubernetesClient c = backendClient(sc);
      if (c == null) {
        c = ownClient(sc);
        self[0].owned = c;
      }
      return c;
    }, namespace, sc::applicationId, maxRestarts, interval, sink);
    return self[0];
  }

  /** Counts only kubelet restarts within {@code window} toward maxRestarts ({@code spark.sidecar.restart.window}); returns this. */
  public PodStatusWatcher restartWindow(Duration window) {
    this.restarts = new KubeletRestarts(window);
    return this;
  }

  /** Starts the daemon thread; returns this. */
  public synchronized PodStatusWatcher start() {
    if (thread == null && !closed) {
      Thread t = new Thread(this::run, "spark-sidecar-pod-status");
      t.setDaemon(true);
      thread = t;
      t.start();
    }
    return this;
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(interval.toMillis());
        pollOnce();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        String msg = String.valueOf(e.getMessage());
        if (!msg.equals(lastError)) {
          lastError = msg;
          LOG.warn("spark-sidecar: cannot read the executor pods' sidecar statuses (retrying every {} ms): {}",
              interval.toMillis(), msg);
        }
      }
    }
  }

  /** One poll: lists the application's executor pods and hands their sidecar statuses to the sink. */
  public void pollOnce() {
    String app = appId.get();
    if (app == null || app.isEmpty()) {
      return; // before the scheduler backend started: no executor pods yet
    }
    KubernetesClient c = client;
    if (c == null) {
      c = clients.get();
      client = c;
    }
    List<Pod> pods = c.pods().inNamespace(namespace).withLabel(APP_LABEL, app).withLabel(ROLE_LABEL, "executor").list()
        .getItems();
    List<ObservedStatus> out = new ArrayList<>();
    KubeletRestarts window = restarts;
    long now = System.currentTimeMillis();
    java.util.Set<String> listed = new java.util.HashSet<>();
    for (Pod pod : pods) {
      if (pod.getMetadata() != null) {
        listed.add(pod.getMetadata().getName());
      }
      ObservedStatus o = observe(pod, maxRestarts, window, now);
      if (o != null) {
        out.add(o);
      }
    }
    window.retain(listed);
    sink.accept(out);
  }

  /**
   * The sidecar's status in {@code pod}, or null when there is none to report: no sidecar status
   * yet, no executor id label, or the pod is being deleted or has finished (the executor is gone;
   * Spark's listener reports that).
   */
  static ObservedStatus observe(Pod pod, int maxRestarts) {
    return observe(pod, maxRestarts, null, 0);
  }

  /** As {@link #observe(Pod, int)}, counting toward maxRestarts only the restarts within {@code window} (null: the pod's life). */
  static ObservedStatus observe(Pod pod, int maxRestarts, KubeletRestarts window, long nowMillis) {
    Map<String, String> labels = pod.getMetadata() == null ? null : pod.getMetadata().getLabels();
    String executorId = labels == null ? null : labels.get(EXECUTOR_LABEL);
    PodStatus status = pod.getStatus();
    if (executorId == null || status == null || pod.getMetadata().getDeletionTimestamp() != null
        || "Succeeded".equals(status.getPhase()) || "Failed".equals(status.getPhase())) {
      return null;
    }
    boolean nativeSidecar = true;
    ContainerStatus cs = find(status.getInitContainerStatuses());
    if (cs == null) {
      nativeSidecar = false;
      cs = find(status.getContainerStatuses());
    }
    if (cs == null) {
      return null;
    }
    String name = pod.getMetadata().getName() + "/" + SidecarPodSpec.CONTAINER_NAME;
    int restarts = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
    ContainerState state = cs.getState();
    ContainerStateTerminated now = state == null ? null : state.getTerminated();
    ContainerStateTerminated last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
    ContainerStateTerminated term = now != null ? now : last;
    int exit = term == null || term.getExitCode() == null ? -1 : term.getExitCode();
    String problem = "";
    boolean failed = false;
    if (now != null) {
      problem = "terminated: " + describe(now);
      // a regular container in Spark's restartPolicy=Never pods never runs again; a native sidecar is restarted
      failed = !nativeSidecar && !"Always".equals(pod.getSpec() == null ? null : pod.getSpec().getRestartPolicy());
    } else if (state != null && state.getWaiting() != null && !STARTING.contains(state.getWaiting().getReason())) {
      ContainerStateWaiting w = state.getWaiting();
      problem = "waiting: " + w.getReason() + (w.getMessage() == null ? "" : " (" + w.getMessage() + ")")
          + (last == null ? "" : "; last " + describe(last));
    }
    int counted = window == null ? restarts : window.recent(pod.getMetadata().getName(), restarts, nowMillis);
    if (!problem.isEmpty() && !failed && counted > maxRestarts) {
      failed = true;
      problem += "; restarted " + counted + " times by the kubelet" + (window == null ? ""
          : " within " + window.window().toSeconds() + " s (" + SidecarKeys.RESTART_WINDOW.name() + ")")
          + ", more than " + SidecarKeys.MAX_RESTARTS.name() + "=" + maxRestarts;
    }
    return new ObservedStatus(executorId, name, restarts, exit, problem, failed);
  }

  private static ContainerStatus find(List<ContainerStatus> statuses) {
    if (statuses == null) {
      return null;
    }
    return statuses.stream().filter(s -> SidecarPodSpec.CONTAINER_NAME.equals(s.getName())).findFirst().orElse(null);
  }

  private static String describe(ContainerStateTerminated t) {
    return "exit " + t.getExitCode() + (t.getReason() == null ? "" : " (" + t.getReason() + ")")
        + (t.getMessage() == null || t.getMessage().isBlank() ? "" : ": " + t.getMessage().strip());
  }

  /**
   * Spark's own client: the Kubernetes scheduler backend's (Scala compiles its private
   * {@code kubernetesClient} to a public field of a mangled name), or null when not found.
   */
  static KubernetesClient backendClient(SparkContext sc) {
    Object backend = sc.schedulerBackend();
    if (backend != null) {
      for (java.lang.reflect.Field f : backend.getClass().getFields()) {
        if (f.getName().endsWith("kubernetesClient") && KubernetesClient.class.isAssignableFrom(f.getType())) {
          try {
            return (KubernetesClient) f.get(backend);
          } catch (IllegalAccessException e) {
            return null;
          }
        }
      }
    }
    return null;
  }

  /** A client built the way Spark's {@code KubernetesClusterManager} builds its own, from the same conf. */
  static KubernetesClient ownClient(SparkContext sc) {
    boolean inCluster = (Boolean) sc.conf().get(Config$.MODULE$.KUBERNETES_DRIVER_SUBMIT_CHECK());
    String prefix = inCluster ? Config$.MODULE$.KUBERNETES_AUTH_DRIVER_MOUNTED_CONF_PREFIX()
        : Config$.MODULE$.KUBERNETES_AUTH_CLIENT_MODE_PREFIX();
    String master = inCluster ? sc.conf().get(Config$.MODULE$.KUBERNETES_DRIVER_MASTER_URL())
        : KubernetesUtils$.MODULE$.parseMasterUrl(sc.master());
    Option<File> ca = inCluster ? Option.apply(new File(io.fabric8.kubernetes.client.Config.KUBERNETES_SERVICE_ACCOUNT_CA_CRT_PATH))
        : Option.empty();
    LOG.info("spark-sidecar: reading executor pod statuses with a client of its own (the scheduler backend's was not found)");
    return SparkKubernetesClientFactory$.MODULE$.createKubernetesClient(master,
        Option.apply(sc.conf().get(Config$.MODULE$.KUBERNETES_NAMESPACE())), prefix,
        driverClientType(), sc.conf(), ca);
  }

  /** Spark's {@code ClientType.Driver} (a Scala enumeration nested in an object: not nameable from Java). */
  private static scala.Enumeration.Value driverClientType() {
    try {
      Object types = Class.forName("org.apache.spark.deploy.k8s.SparkKubernetesClientFactory$ClientType$").getField("MODULE$")
          .get(null);
      return ((scala.Enumeration) types).withName("Driver");
    } catch (ReflectiveOperationException e) {
      throw new io.sparksidecar.plugin.SidecarException("this Spark has no SparkKubernetesClientFactory.ClientType: " + e, e);
    }
  }

  /** Stops the thread (does not wait for a poll in flight); Spark's client stays Spark's to close, one built here is closed. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    KubernetesClient c = owned;
    owned = null;
    if (c != null) {
      c.close();
    }
  }
}
