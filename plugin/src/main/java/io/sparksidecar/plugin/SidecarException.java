package io.sparksidecar.plugin;

/**
 * The one unchecked exception of the plugin module. Messages name the culprit: the config key and
 * value, the image, the exit code and the last lines of the sidecar's log.
 */
public class SidecarException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean permanent;

  public SidecarException(String message) {
    this(message, null, false);
  }

  public SidecarException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private SidecarException(String message, Throwable cause, boolean permanent) {
    super(message, cause);
    this.permanent = permanent;
  }

  /** A failure that retrying cannot fix (a missing image, a root user refused): no restart is tried. */
  public static SidecarException permanent(String message, Throwable cause) {
    return new SidecarException(message, cause, true);
  }

  public boolean isPermanent() {
    return permanent;
  }
}
