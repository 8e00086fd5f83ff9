package io.sparksidecar.plugin.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The resource profiles users already know by name (DESIGN.md "Resource profiles"). */
public enum ResourceProfile {
  SMALL_CPU_SMALL_MEMORY(1, 3, 0, 0),
  MEDIUM_CPU_MEDIUM_MEMORY(2, 6, 0, 0),
  MEDIUM_CPU_MEDIUM_MEMORY_SMALL_SHARED_MEMORY(2, 6, 2, 0),
  LARGE_CPU_LARGE_MEMORY(4, 13, 0, 0),
  LARGE_CPU_LARGE_MEMORY_GPU_ENABLED(4, 13, 0, 1),
  X_LARGE_CPU_X_LARGE_MEMORY(8, 27, 0, 0),
  X_LARGE_CPU_X_LARGE_MEMORY_GPU_ENABLED(8, 27, 0, 1),
  XX_LARGE_CPU_XX_LARGE_MEMORY(16, 54, 0, 0);

  private final double cpus;
  private final long memoryBytes;
  private final long shmBytes;
  private final int gpus;

  ResourceProfile(double cpus, long memoryGiB, long shmGiB, int gpus) {
    this.cpus = cpus;
    this.memoryBytes = memoryGiB << 30;
    this.shmBytes = shmGiB << 30;
    this.gpus = gpus;
  }

  public double cpus() {
    return cpus;
  }

  public long memoryBytes() {
    return memoryBytes;
  }

  public long shmBytes() {
    return shmBytes;
  }

  public int gpus() {
    return gpus;
  }

  static String names() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
  }

  static ConfigKey.Parser<ResourceProfile> parser() {
    return raw -> {
      if (raw.isEmpty()) {
        return null;
      }
      try {
        return valueOf(raw.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown resource profile; known: " + names());
      }
    };
  }
}
