package io.sparksidecar.plugin.ui;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.status.ElementTrackingStore;

/**
 * {@code AppHistoryServerPlugin.createListeners} returns a {@code scala.collection.Seq} on Scala 2.12
 * (Spark 3.5) and a {@code scala.collection.immutable.Seq} on 2.13. Declaring the 2.12 form here and
 * overriding it covariantly with the 2.13 form in {@link SidecarsHistoryPlugin} makes javac emit both
 * methods there, so one class serves both Spark lines.
 */
public abstract class HistoryPluginBase {
  /** Spark 3.5 / Scala 2.12's signature; implemented by the subclass's covariant override. */
  public abstract scala.collection.Seq<SparkListener> createListeners(SparkConf conf, ElementTrackingStore store);
}
