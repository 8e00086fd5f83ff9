package io.sparksidecar.it;

/** Image names, pinned once; built by images/build.sh (which pins the same names). */
final class TestImages {
  static final String BUSYBOX = "spark-sidecar/busybox:1";
  static final String HELLO_SERVER = "spark-sidecar/hello-server:1";
  static final String DD_CLI = "spark-sidecar/dd-cli:1";
  static final String LEGACY_FLAGS = "spark-sidecar/legacy-flags:1";
  static final String MISSING = "spark-sidecar/does-not-exist:1";

  private TestImages() {}
}
