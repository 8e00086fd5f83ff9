package io.sparksidecar.plugin.session;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Spark session a task belongs to, read from its {@code spark.job.tags} local property.
 *
 * @param uuid      the session's own UUID: tag {@code spark-session-<uuid>}; its artifacts (archives
 *                  added with {@code addArtifacts(..., archive=True)}) are unpacked on executors under
 *                  {@code <executor cwd>/<uuid>/<fragment>}
 * @param connectId the Spark Connect session id (tag {@code SparkConnect_OperationTag_User_<user>_Session_<id>_Operation_<op>}),
 *                  the id the server's session-closed event names; empty for a session that is not a Connect one
 */
public record SessionRef(String uuid, String connectId) {
  /** The local property that carries the tags (Spark 4.x). */
  public static final String JOB_TAGS = "spark.job.tags";

  private static final Pattern SESSION = Pattern.compile("(?:^|,)spark-session-([0-9a-fA-F-]{36})(?=,|$)");
  private static final Pattern CONNECT = Pattern.compile("_Session_([0-9a-fA-F-]{36})_Operation_");

  /** The session named in {@code tags} (comma-separated), or null when it names none. */
  public static SessionRef fromTags(String tags) {
    if (tags == null || tags.isEmpty()) {
      return null;
    }
    Matcher m = SESSION.matcher(tags);
    if (!m.find()) {
      return null;
    }
    Matcher c = CONNECT.matcher(tags);
    return new SessionRef(m.group(1), c.find() ? c.group(1) : "");
  }

  /** The first 8 characters of the UUID: short enough for file and process names. */
  public String shortId() {
    return uuid.substring(0, 8);
  }
}
