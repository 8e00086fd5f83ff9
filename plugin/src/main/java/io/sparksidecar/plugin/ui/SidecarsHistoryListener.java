package io.sparksidecar.plugin.ui;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.status.ElementTrackingStore;

/**
 * In the history server, while an application's event log is replayed (one thread, in log order):
 * keeps each {@link SidecarsHistoryEvent} in the application's status store. Events of other kinds
 * are ignored.
 */
final class SidecarsHistoryListener extends SparkListener {
  private final ElementTrackingStore store;
  private long seq;

  SidecarsHistoryListener(ElementTrackingStore store) {
    this.store = store;
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof SidecarsHistoryEvent e) {
      store.write(SidecarsHistoryRecord.of(seq++, e));
    }
  }
}
