package io.sparksidecar.protocol.agent;

import io.sparksidecar.protocol.ChecksumAlgorithm;
import io.sparksidecar.protocol.HandoffException;
import io.sparksidecar.protocol.Names;
import io.sparksidecar.protocol.OutputEntry;
import io.sparksidecar.protocol.Streams;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/** Walks {@code out/} without following links and builds the done marker's manifest (section 5 step 7). */
final class Manifest {
  private Manifest() {}

  /** The manifest of {@code out}, or a {@link HandoffException} naming the refused file. */
  static List<OutputEntry> collect(Path out, String requestId) throws IOException {
    List<OutputEntry> entries = new ArrayList<>();
    if (!Files.isDirectory(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new HandoffException("request " + requestId + ": the output directory " + out + " is missing or a link");
    }
    Files.walkFileTree(out, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return !dir.equals(out) && dir.getFileName().toString().startsWith(".")
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String name = out.relativize(file).toString().replace(java.io.File.separatorChar, '/');
        if (file.getFileName().toString().startsWith(".")) {
          return FileVisitResult.CONTINUE; // temporary files are not outputs
        }
        if (attrs.isSymbolicLink()) {
          throw new HandoffException("output '" + name + "' is a symbolic link; refused");
        }
        if (!attrs.isRegularFile()) {
          throw new HandoffException("output '" + name + "' is not a regular file; refused");
        }
        String problem = Names.problem(name);
        if (problem != null) {
          throw new HandoffException("output '" + name + "' refused: " + problem);
        }
        entries.add(new OutputEntry(name, attrs.size(), ChecksumAlgorithm.CRC32C,
            Streams.checksum(file, ChecksumAlgorithm.CRC32C)));
        return FileVisitResult.CONTINUE;
      }
    });
    return entries;
  }
}
