package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.plugin.SidecarException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Classifies an engine failure by its cause, never by the call it came from: transient (worth a
 * retry: no answer, an I/O error, a timeout, HTTP 5xx, 408/409/429 conflicts and throttling) or
 * permanent (a retry would fail the same way: a missing image, an invalid spec or bind, a refused
 * request, an executable that is not in the image). Applied by both engine clients.
 */
final class EngineFailures {
  /** HTTP status of a failure that never reached an answer (I/O error, timeout). */
  static final int NO_ANSWER = -1;
  /** Engine messages that say the request itself is wrong, whatever the status code. */
  private static final Pattern PERMANENT_MESSAGE = Pattern.compile(
      "no such image|invalid (reference|mount|volume|argument|spec)|executable file not found"
          + "|permission denied|manifest unknown|repository does not exist|no such file or directory");

  private EngineFailures() {}

  /** True when retrying the call that got {@code status} (or {@link #NO_ANSWER}) and {@code message} cannot help. */
  static boolean permanent(int status, String message) {
    if (status == NO_ANSWER) {
      return false;
    }
    if (status >= 400 && status < 500) {
      return status != 408 && status != 409 && status != 423 && status != 429;
    }
    return message != null && PERMANENT_MESSAGE.matcher(message.toLowerCase(Locale.ROOT)).find();
  }

  /** The failure as the plugin's exception, marked permanent or not by {@link #permanent}. */
  static SidecarException of(String message, int status, String engineMessage, Throwable cause) {
    return permanent(status, engineMessage) ? SidecarException.permanent(message, cause) : new SidecarException(message, cause);
  }
}
