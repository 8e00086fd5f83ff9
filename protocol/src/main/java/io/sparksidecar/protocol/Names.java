package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The naming rules of PROTOCOL.md section 3, enforced on the client and on the Java agent. */
public final class Names {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final int MAX_NAME_BYTES = 1024;

  private Names() {}

  /** Returns {@code id} if it is a valid request id, else throws naming it. */
  public static String checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new HandoffException("invalid request id '" + id + "': must match " + ID.pattern());
    }
    return id;
  }

  /** Why {@code name} is not a valid input/output name, or {@code null} when it is valid. */
  public static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "name is empty";
    }
    if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      return "name is longer than " + MAX_NAME_BYTES + " bytes";
    }
    if (name.startsWith("/")) {
      return "absolute paths are refused";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == 0 || c == '\\' || c == '\r' || c == '\n') {
        return "NUL, backslash, CR and LF are refused";
      }
    }
    for (String part : name.split("/", -1)) {
      if (part.isEmpty()) {
        return "empty path component";
      }
      if (part.equals("..")) {
        return "'..' leaves the request directory";
      }
      if (part.startsWith(".")) {
        return "components starting with '.' are reserved";
      }
    }
    return null;
  }

  /** Returns {@code name} if valid, else throws naming the request and the name. */
  public static String checkName(String requestId, String name) {
    String problem = problem(name);
    if (problem != null) {
      throw new HandoffException("request " + requestId + ": refused name '" + name + "': " + problem,
          requestId, HandoffException.NO_EXIT_CODE, "", null);
    }
    return name;
  }

  /**
   * Resolves a validated {@code name} below {@code dir}, refusing any symbolic link on the way
   * (the directory itself included), so that nothing outside {@code dir} is ever reached. A
   * {@code null} name checks and returns {@code dir} itself.
   */
  public static Path resolveInside(Path dir, String requestId, String name) {
    Path current = dir;
    refuseLink(current, requestId, name == null ? "." : name);
    if (name == null) {
      return current; // just the directory itself
    }
    checkName(requestId, name);
    for (String part : name.split("/")) {
      current = current.resolve(part);
      refuseLink(current, requestId, name);
    }
    return current;
  }

  private static void refuseLink(Path path, String requestId, String name) {
    if (Files.isSymbolicLink(path)) {
      throw new HandoffException("request " + requestId + ": refused '" + name + "': " + path
          + " is a symbolic link", requestId, HandoffException.NO_EXIT_CODE, "", null);
    }
  }

  /** True when {@code path} is a regular file and not a symbolic link. */
  public static boolean isPlainFile(Path path) {
    return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
  }

  /** Creates the parent directories of a validated name below {@code dir}. */
  static void createParents(Path dir, String requestId, String name) throws IOException {
    int slash = name.lastIndexOf('/');
    if (slash > 0) {
      Path parent = resolveInside(dir, requestId, name.substring(0, slash));
      Files.createDirectories(parent);
    }
  }
}
