package io.sparksidecar.plugin.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.sparksidecar.plugin.Sidecar;
import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.Sidecars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskContext$;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Sidecars.get()} and the task callbacks in a task of a session: the task's context is a
 * stand-in (Mockito) set with Spark's own {@code TaskContext.setTaskContext}, carrying the local
 * properties a Connect task carries (the job tags and the session's {@code spark.sidecar.session.*}).
 */
class SessionTaskApiTest {
  @TempDir
  Path work;
  private SessionSidecars sessions;

  @AfterEach
  void after() {
    TaskContext$.MODULE$.unset();
    if (sessions != null) {
      sessions.close();
    }
  }

  private void task(String uuid, Map<String, String> props) {
    Properties p = new Properties();
    p.setProperty("spark.job.tags", "SparkConnect_OperationTag_User__Session_" + UUID.randomUUID() + "_Operation_"
        + UUID.randomUUID() + ",spark-session-" + uuid);
    props.forEach(p::setProperty);
    TaskContext tc = mock(TaskContext.class);
    when(tc.getLocalProperties()).thenReturn(p);
    when(tc.getLocalProperty(org.mockito.ArgumentMatchers.anyString())).thenAnswer(i -> p.getProperty(i.getArgument(0)));
    TaskContext$.MODULE$.setTaskContext(tc);
  }

  @Test
  void aSessionsTaskGetsItsOwnSidecarAndOtherTasksTheExecutorWidePath() throws Exception {
    sessions = new SessionSidecars("app-t", "3", Map.of("spark.sidecar.command", "sleep 600", "spark.sidecar.runtime",
        "process", "spark.sidecar.stopTimeout", "1s"), work, null, System::currentTimeMillis, false).install();
    String a = UUID.randomUUID().toString();
    Files.createDirectories(work.resolve(a));
    task(a, Map.of("spark.sidecar.session.runtime", "process", "spark.sidecar.session.command", "sleep 300"));
    sessions.onTaskStart(); // what the executor plugin calls on the task thread before the task body
    Sidecar s = Sidecars.get();
    assertThat(s.executorId()).isEqualTo("3.session-" + a.substring(0, 8));
    assertThat(s.status().state().name()).isEqualTo("READY");
    assertThat(Sidecars.get()).isSameAs(s);
    sessions.onTaskEnd();
    // a task of a session that asks for nothing is not served by a session sidecar
    task(UUID.randomUUID().toString(), Map.of());
    assertThat(SessionSidecars.forCurrentTask()).isNull();
    // a session whose wish fails gets its reason from Sidecars.get()
    String b = UUID.randomUUID().toString();
    Files.createDirectories(work.resolve(b));
    task(b, Map.of("spark.sidecar.session.command", "no-such-program-here"));
    sessions.onTaskStart();
    assertThatThrownBy(Sidecars::get).isInstanceOf(SidecarException.class)
        .hasMessageContaining("session " + b).hasMessageContaining("spark.sidecar.session.command=no-such-program-here");
    sessions.onTaskEnd();
  }
}
