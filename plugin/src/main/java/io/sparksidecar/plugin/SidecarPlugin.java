package io.sparksidecar.plugin;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * The entry point: {@code --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin} plus
 * {@code spark.sidecar.*} keys gives every executor one supervised sidecar.
 */
public final class SidecarPlugin implements SparkPlugin {
  @Override
  public DriverPlugin driverPlugin() {
    return new SidecarDriverPlugin();
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new SidecarExecutorPlugin();
  }
}
