package io.sparksidecar.plugin.runtime.process;

import io.sparksidecar.plugin.SidecarException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment a process sidecar gets from an unpacked archive ({@code spark.sidecar.process.archive},
 * or a Connect session's {@code spark.sidecar.session.process.archive}): what activating the archive
 * would do, so that a venv-pack or conda-pack environment works without {@code source bin/activate}.
 * <ul>
 *   <li>every archive: {@code PATH=<archive>/bin:<executor's PATH>} (the command and the programs it
 *       starts are found in the archive first; venv-pack rewrites its scripts' shebangs to
 *       {@code #!/usr/bin/env python}, which then finds {@code <archive>/bin/python});</li>
 *   <li>a Python virtual environment ({@code pyvenv.cfg} at the top: venv, virtualenv, venv-pack):
 *       {@code VIRTUAL_ENV=<archive>}, as {@code bin/activate} sets it;</li>
 *   <li>a conda environment ({@code conda-meta/}: conda-pack): {@code CONDA_PREFIX=<archive>};</li>
 *   <li>a Python environment of either kind, or any archive with a {@code bin/python}:
 *       {@code PYTHONHOME} and {@code PYTHONPATH} of the executor are removed, so the sidecar's Python
 *       sees the archive's packages only, never the executor's (or its Python workers') ones.</li>
 * </ul>
 * {@code spark.sidecar.env.NAME} entries are applied after this and win (set {@code env.PYTHONPATH}
 * to add directories on purpose). A venv-pack archive's {@code bin/python} is a symbolic link to the
 * base interpreter of the machine that packed it: when that interpreter is missing on this host the
 * start fails here, naming the link and its target, instead of every request failing with exit 127.
 * A PEX file is one executable: ship it with {@code spark.files} (or inside an archive) and name it in
 * the command. Pure functions of their arguments, apart from reading the archive's top directory.
 */
final class ArchiveEnvironment {
  private ArchiveEnvironment() {
  }

  /** What kind of environment an unpacked archive is. */
  enum Kind {
    /** A plain directory: only its {@code bin/} goes first on PATH. */
    PLAIN,
    /** venv, virtualenv, venv-pack: {@code pyvenv.cfg}. */
    VENV,
    /** conda, conda-pack: {@code conda-meta/}. */
    CONDA
  }

  static Kind kind(Path archive) {
    if (Files.isRegularFile(archive.resolve("pyvenv.cfg"))) {
      return Kind.VENV;
    }
    if (Files.isDirectory(archive.resolve("conda-meta"))) {
      return Kind.CONDA;
    }
    return Kind.PLAIN;
  }

  /**
   * The environment changes for a sidecar run from {@code archive}, applied to {@code base} (the
   * executor's environment): returns the entries to set; removed names map to null.
   *
   * @param key the key that named the archive, for the error
   */
  static Map<String, String> of(Path archive, Map<String, String> base, String key) {
    Map<String, String> out = new HashMap<>();
    Path bin = archive.resolve("bin");
    out.put("PATH", bin + File.pathSeparator + base.getOrDefault("PATH", "/usr/bin:/bin"));
    Kind kind = kind(archive);
    if (kind == Kind.VENV) {
      out.put("VIRTUAL_ENV", archive.toString());
    } else if (kind == Kind.CONDA) {
      out.put("CONDA_PREFIX", archive.toString());
    }
    Path python = bin.resolve("python");
    boolean hasPython = Files.isSymbolicLink(python) || Files.exists(python);
    if (kind != Kind.PLAIN || hasPython) {
      out.put("PYTHONHOME", null);
      out.put("PYTHONPATH", null);
    }
    if (hasPython && !Files.exists(python)) { // a link whose (final) target is not on this host
      throw new SidecarException(key + "=" + archive.getFileName() + ": " + python + " is a link to " + target(python)
          + ", which does not exist on this host; a venv-pack archive needs the Python it was packed with (the"
          + " same path) on every executor host (or pack the environment with conda-pack, which carries its Python)");
    }
    return out;
  }

  /** Applies {@link #of} to a process environment (null values remove). */
  static void apply(Map<String, String> changes, Map<String, String> env) {
    changes.forEach((k, v) -> {
      if (v == null) {
        env.remove(k);
      } else {
        env.put(k, v);
      }
    });
  }

  /** The last link of the chain from {@code link} (what is missing). */
  private static String target(Path link) {
    Path at = link;
    try {
      for (int i = 0; i < 40 && Files.isSymbolicLink(at); i++) {
        at = at.resolveSibling(Files.readSymbolicLink(at)).normalize();
      }
      return at.toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "?";
    }
  }
}
