package io.sparksidecar.plugin.runtime.docker;

import java.util.Optional;

/** Removes containers on this host whose owning executor JVM is gone (section "nothing left behind"). */
final class Sweeper {
  private Sweeper() {}

  /** Returns how many orphans it removed. Never throws: a sweep must not stop a start. */
  static int removeOrphans(Engine engine, String host) {
    int removed = 0;
    try {
      for (Engine.Listed c : engine.list(Owner.LABEL_HOST, host)) {
        Optional<Owner> owner = Owner.parse(c.labels().get(Owner.LABEL_OWNER));
        if (owner.isPresent() && owner.get().host().equals(host) && !owner.get().alive() && engine.remove(c.id())) {
          removed++;
        }
      }
    } catch (RuntimeException e) {
      // engine hiccup: the next start or the watchdog tries again
    }
    return removed;
  }

  /** Removes every container owned by {@code ownerId}. */
  static int removeOwnedBy(Engine engine, String ownerId) {
    int removed = 0;
    for (Engine.Listed c : engine.list(Owner.LABEL_OWNER, ownerId)) {
      if (engine.remove(c.id())) {
        removed++;
      }
    }
    return removed;
  }
}
