package io.sparksidecar.plugin;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The task-facing entry point: {@code Sidecars.get()} inside any task ({@code mapPartitions},
 * {@code foreach}, UDFs) returns this executor's sidecar. Blocks while the sidecar is (re)starting,
 * at most the readiness timeout; throws {@link SidecarException} with the reason when it failed.
 * In a task of a Spark Connect session that asked for its own sidecar ({@code spark.sidecar.session.*},
 * see {@code io.sparksidecar.plugin.session.SessionSidecars}) it returns that session's sidecar instead.
 */
public final class Sidecars {
  private static final AtomicReference<ExecutorSidecar> CURRENT = new AtomicReference<>();
  private static volatile String failure;

  private Sidecars() {}

  public static Sidecar get() {
    Sidecar session = io.sparksidecar.plugin.session.SessionSidecars.forCurrentTask();
    if (session != null) {
      return session; // a Spark Connect session that set spark.sidecar.session.command or .image gets its own
    }
    ExecutorSidecar s = CURRENT.get();
    if (s == null && failure != null) {
      throw new SidecarException("this executor has no sidecar: " + failure);
    }
    if (s == null) {
      throw new SidecarException("no sidecar in this JVM: Sidecars.get() works in tasks on executors started with "
          + "--conf spark.plugins=" + SidecarPlugin.class.getName());
    }
    s.awaitReady();
    return s;
  }

  static void install(ExecutorSidecar s) {
    CURRENT.set(s);
  }

  static void failed(String reason) {
    failure = reason;
  }

  static void uninstall(ExecutorSidecar s) {
    CURRENT.compareAndSet(s, null);
  }
}
