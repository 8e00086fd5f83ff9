package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.HandoffTotals;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one request of the Sidecars tab shows: the rows of the registry at one instant, filtered by
 * state, sorted, and cut to one page, with a summary of all of them (executors per state and the
 * application's hand-off totals). The page is what keeps the tab fast with thousands of executors:
 * only its rows are rendered; the summary is one pass.
 *
 * @param all       every row, sorted (before the state filter)
 * @param selected  the rows of the filter, sorted
 * @param from      index in {@code selected} of the page's first row
 * @param size      page size
 * @param sessions  the Spark Connect session sidecars of all executors
 */
record SidecarsView(List<SidecarRow> all, List<SidecarRow> selected, String stateFilter, String sort, int from, int size,
    Map<String, Long> states, HandoffTotals totals, SessionsSummary sessions) {

  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 1000;
  /** The sort orders offered (key → what it means). */
  static final Map<String, String> SORTS = Map.of("id", "executor", "failed", "most failed hand-offs",
      "p99", "slowest p99", "restarts", "most restarts", "state", "state", "sessions", "most session sidecars");

  /**
   * The view of {@code entries} at {@code nowMillis}. {@code page} counts from 1; a page, size or
   * sort out of range is clamped or defaulted (a URL typed by hand still shows something).
   */
  static SidecarsView of(List<SidecarRegistry.Entry> entries, HandoffTotals totals,
      io.sparksidecar.plugin.health.SessionHistory history, long nowMillis, String state, String sort, int page, int size) {
    String s = sort != null && SORTS.containsKey(sort) ? sort : "id";
    List<SidecarRow> rows = new ArrayList<>(entries.size());
    Map<String, Long> states = new TreeMap<>();
    for (SidecarRegistry.Entry e : entries) {
      SidecarRow r = SidecarRow.of(e, nowMillis);
      rows.add(r);
      states.merge(r.state(), 1L, Long::sum);
    }
    rows.sort(order(s));
    String filter = state == null ? "" : state.toUpperCase(Locale.ROOT);
    List<SidecarRow> selected = filter.isEmpty() ? rows : rows.stream().filter(r -> r.state().equals(filter)).toList();
    int n = Math.max(1, Math.min(MAX_PAGE_SIZE, size));
    int pages = Math.max(1, (selected.size() + n - 1) / n);
    int p = Math.max(1, Math.min(pages, page));
    return new SidecarsView(rows, selected, filter, s, (p - 1) * n, n, states, totals, SessionsSummary.of(rows, history));
  }

  static Comparator<SidecarRow> order(String sort) {
    Comparator<SidecarRow> byId = (a, b) -> compareIds(a.executorId(), b.executorId());
    return switch (sort) {
      case "failed" -> Comparator.comparingLong((SidecarRow r) -> -r.handoffs().failed()).thenComparing(byId);
      case "p99" -> Comparator.comparingDouble((SidecarRow r) -> -r.handoffs().p99Millis()).thenComparing(byId);
      case "restarts" -> Comparator.comparingInt((SidecarRow r) -> -r.restarts()).thenComparing(byId);
      case "sessions" -> Comparator.comparingInt((SidecarRow r) -> -r.sessions().size()).thenComparing(byId);
      case "state" -> Comparator.comparing(SidecarRow::state).thenComparing(byId);
      default -> byId;
    };
  }

  /** Executor ids in numeric order when they are numbers ("2" before "10"), else by text. */
  static int compareIds(String a, String b) {
    boolean na = !a.isEmpty() && a.length() < 19 && a.chars().allMatch(Character::isDigit);
    boolean nb = !b.isEmpty() && b.length() < 19 && b.chars().allMatch(Character::isDigit);
    if (na && nb) {
      return Long.compare(Long.parseLong(a), Long.parseLong(b));
    }
    return na != nb ? (na ? -1 : 1) : a.compareTo(b);
  }

  /** The rows of this page. */
  List<SidecarRow> page() {
    return selected.subList(Math.min(from, selected.size()), Math.min(from + size, selected.size()));
  }

  int pageNumber() {
    return from / size + 1;
  }

  int pageCount() {
    return Math.max(1, (selected.size() + size - 1) / size);
  }
}
