package io.sparksidecar.plugin.runtime;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A scripted runtime for supervisor unit tests: each start() takes the next scripted outcome. */
final class FakeRuntime implements SidecarRuntime {
  final Deque<Object> script = new java.util.concurrent.ConcurrentLinkedDeque<>(); // FakeInstance or SidecarException
  final List<FakeInstance> started = new java.util.concurrent.CopyOnWriteArrayList<>();

  FakeRuntime then(Object outcome) {
    script.add(outcome);
    return this;
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public SidecarInstance start(SidecarSpec spec) {
    Object next = script.isEmpty() ? new FakeInstance() : script.poll();
    if (next instanceof SidecarException e) {
      throw e;
    }
    FakeInstance i = (FakeInstance) next;
    started.add(i);
    return i;
  }

  static class FakeInstance implements SidecarInstance {
    private static int counter;
    final String id = "fake-" + (++counter);
    volatile InstanceStatus status = InstanceStatus.alive("none");
    volatile boolean ready = true;
    volatile boolean stopped;

    FakeInstance notReady() {
      ready = false;
      return this;
    }

    void crash(int exitCode) {
      status = InstanceStatus.exited(exitCode, false);
    }

    @Override
    public String id() {
      return id;
    }

    /** How long status() takes (an engine that answers slowly), to widen race windows. */
    volatile long statusDelayMillis;

    @Override
    public InstanceStatus status() {
      InstanceStatus s = status;
      if (statusDelayMillis > 0) {
        try {
          Thread.sleep(statusDelayMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return s;
    }

    @Override
    public String logTail(int lines) {
      return "log of " + id;
    }

    @Override
    public void stop(Duration grace) {
      stopped = true;
      if (status.running()) {
        status = InstanceStatus.exited(143, false);
      }
    }
  }
}
