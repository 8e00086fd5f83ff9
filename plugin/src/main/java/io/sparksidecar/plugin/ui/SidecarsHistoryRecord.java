package io.sparksidecar.plugin.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * One {@link SidecarsHistoryEvent} as the history server keeps it in the application's status store,
 * in replay order ({@link #seq}, the store's natural key): written by {@link SidecarsHistoryListener}
 * while the event log is replayed, read by {@link SidecarsHistoryPlugin#setupUI}. A plain bean, as a
 * disk-backed store serializes it with Spark's JSON mapper.
 */
public final class SidecarsHistoryRecord {
  /** Replay order of the event. */
  @KVIndex
  public long seq;
  public long atMillis;
  public List<Map<String, String>> reports = new ArrayList<>();
  public List<Long> receivedMillis = new ArrayList<>();

  /** For the store's JSON reader. */
  public SidecarsHistoryRecord() {
  }

  static SidecarsHistoryRecord of(long seq, SidecarsHistoryEvent e) {
    SidecarsHistoryRecord r = new SidecarsHistoryRecord();
    r.seq = seq;
    r.atMillis = e.atMillis;
    r.reports = e.reports == null ? List.of() : e.reports;
    r.receivedMillis = e.receivedMillis == null ? List.of() : e.receivedMillis;
    return r;
  }
}
