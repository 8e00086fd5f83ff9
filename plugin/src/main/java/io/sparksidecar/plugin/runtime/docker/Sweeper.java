package io.sparksidecar.plugin.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Removes containers on this host whose owning executor JVM is gone (section "nothing left behind"). */
final class Sweeper {
  private Sweeper() {}

  /** Returns how many orphans it removed. Never throws: a sweep must not stop a start. */
  static int removeOrphans(DockerClient docker, String host) {
    int removed = 0;
    try {
      List<Container> mine = docker.listContainersCmd().withShowAll(true)
          .withLabelFilter(Map.of(Owner.LABEL_HOST, host)).exec();
      for (Container c : mine) {
        Optional<Owner> owner = Owner.parse(c.getLabels().get(Owner.LABEL_OWNER));
        if (owner.isPresent() && owner.get().host().equals(host) && !owner.get().alive()) {
          removed += remove(docker, c.getId());
        }
      }
    } catch (RuntimeException e) {
      // engine hiccup: the next start or the watchdog tries again
    }
    return removed;
  }

  /** Removes every container owned by {@code ownerId}. */
  static int removeOwnedBy(DockerClient docker, String ownerId) {
    int removed = 0;
    for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Owner.LABEL_OWNER, ownerId)).exec()) {
      removed += remove(docker, c.getId());
    }
    return removed;
  }

  private static int remove(DockerClient docker, String id) {
    try {
      docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
      return 1;
    } catch (NotFoundException e) {
      return 0;
    }
  }
}
