package io.sparksidecar.plugin;

/**
 * The one unchecked exception of the plugin module. Messages name the culprit: the config key and
 * value, the image, the exit code and the last lines of the sidecar's log.
 */
public class SidecarException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SidecarException(String message) {
    super(message);
  }

  public SidecarException(String message, Throwable cause) {
    super(message, cause);
  }
}
