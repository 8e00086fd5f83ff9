package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Event-driven wake-ups for one directory with a polling fallback: {@link #await} returns the
 * names created or renamed into the directory, or {@code null} meaning "rescan everything" (the
 * poll interval passed, the event queue overflowed, or the file system has no events). Callers
 * must look at the directory once after constructing the watcher (re-check after registering).
 * Internal to spark-sidecar; public only for the agent package.
 */
public final class DirectoryWatcher implements AutoCloseable {
  private final WatchService service;

  public DirectoryWatcher(Path dir) {
    WatchService ws = null;
    try {
      ws = FileSystems.getDefault().newWatchService();
      // markers arrive by rename (IN_MOVED_TO, reported as ENTRY_CREATE); modifications of
      // temporary files would only wake the waiter for nothing
      dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
    } catch (IOException | UnsupportedOperationException e) {
      closeQuietly(ws);
      ws = null; // no events on this file system: pure polling
    }
    this.service = ws;
  }

  /**
   * Waits at most {@code pollMillis} for events. Returns the names seen, or {@code null} for
   * "rescan" (timeout, overflow, no event support).
   */
  public Set<String> await(long pollMillis) throws InterruptedException {
    if (service == null) {
      Thread.sleep(pollMillis);
      return null;
    }
    WatchKey key;
    try {
      key = service.poll(pollMillis, TimeUnit.MILLISECONDS);
    } catch (ClosedWatchServiceException e) {
      return null;
    }
    if (key == null) {
      return null;
    }
    Set<String> names = new HashSet<>();
    boolean overflow = drain(key, names);
    // collect whatever else is already queued without waiting again
    for (WatchKey more = service.poll(); more != null; more = service.poll()) {
      overflow |= drain(more, names);
    }
    return overflow ? null : names;
  }

  private static boolean drain(WatchKey key, Set<String> names) {
    boolean overflow = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
        overflow = true;
      } else if (event.context() instanceof Path p) {
        names.add(p.toString());
      }
    }
    key.reset();
    return overflow;
  }

  @Override
  public void close() {
    closeQuietly(service);
  }

  private static void closeQuietly(WatchService ws) {
    if (ws != null) {
      try {
        ws.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }
}
