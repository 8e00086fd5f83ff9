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

  /**
   * A failure that retrying cannot fix (a missing image, a root user refused, an invalid spec): no
   * restart is tried. Every other failure is transient: retried, restarted by policy.
   */
  public static SidecarException permanent(String message, Throwable cause) {
    return new SidecarException(message, cause, true);
  }

  /** A new message for {@code cause}, permanent exactly when {@code cause} is: the classification travels with the cause. */
  public static SidecarException as(SidecarException cause, String message) {
    return new SidecarException(message, cause, cause.isPermanent());
  }

  public boolean isPermanent() {
    return permanent;
  }
}
