package io.sparksidecar.protocol;

/**
 * The one unchecked exception of the protocol module. Every message names the request id (when
 * there is one) and the offending name, path or exit code; {@link #exitCode()} and
 * {@link #logTail()} carry the command's exit status and the last lines of its log when known.
 */
public class HandoffException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** Exit code value meaning "the command did not run or its exit status is unknown". */
  public static final int NO_EXIT_CODE = -1;

  private final String requestId;
  private final int exitCode;
  private final String logTail;

  public HandoffException(String message) {
    this(message, null, NO_EXIT_CODE, "", null);
  }

  public HandoffException(String message, Throwable cause) {
    this(message, null, NO_EXIT_CODE, "", cause);
  }

  public HandoffException(String message, String requestId, int exitCode, String logTail, Throwable cause) {
    super(message, cause);
    this.requestId = requestId;
    this.exitCode = exitCode;
    this.logTail = logTail == null ? "" : logTail;
  }

  /** The request this failure belongs to, or {@code null} for volume-level failures. */
  public String requestId() {
    return requestId;
  }

  /** The command's exit code, or {@link #NO_EXIT_CODE} when it never ran or is unknown. */
  public int exitCode() {
    return exitCode;
  }

  /** The last lines of the request's log (may be empty, never null). */
  public String logTail() {
    return logTail;
  }
}
