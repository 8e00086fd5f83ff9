package io.sparksidecar.plugin.runtime.docker;

/** Image names, pinned once; built by images/build.sh (which pins the same names). */
public final class TestImages {
  public static final String BUSYBOX = "spark-sidecar/busybox:1";
  public static final String BUSYBOX_ROOT = "spark-sidecar/busybox-root:1";
  public static final String HELLO_SERVER = "spark-sidecar/hello-server:1";
  public static final String DD_CLI = "spark-sidecar/dd-cli:1";
  public static final String LEGACY_FLAGS = "spark-sidecar/legacy-flags:1";

  private TestImages() {}
}
