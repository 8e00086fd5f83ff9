package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.plugin.SidecarException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Docker Engine API (v1.41+) over {@link EngineHttp}: JDK sockets and {@link Json}, nothing
 * else. It exists for speed: in a cold executor JVM, building a docker-java client and loading its
 * Jackson mappings costs more than the engine's own create and start (measured in the plugin
 * benchmark); this client's classes load in milliseconds.
 */
final class SocketEngine implements Engine {
  private static final Duration QUICK = Duration.ofSeconds(10);
  private static final Duration SLOW = Duration.ofSeconds(120);

  private final EngineHttp http;
  private final String endpoint;

  SocketEngine(String endpoint, String apiVersion) {
    this.http = new EngineHttp(endpoint, apiVersion);
    this.endpoint = endpoint;
  }

  @Override
  public String client() {
    return "builtin";
  }

  @Override
  public void ping() {
    EngineHttp.Response r = call("GET", "/_ping", null, QUICK);
    if (r.status() != 200) {
      throw failure("ping", r);
    }
  }

  @Override
  public Optional<String> imageUser(String image) {
    EngineHttp.Response r = call("GET", "/images/" + image + "/json", null, QUICK);
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw failure("inspect image " + image, r);
    }
    Object user = Json.at(Json.parse(r.text()), "Config", "User");
    return Optional.of(user == null ? "" : user.toString());
  }

  @Override
  public String create(ContainerSpec s) {
    EngineHttp.Response r = call("POST", "/containers/create?name=" + enc(s.name()), Json.write(body(s)), SLOW);
    if (r.status() != 201) {
      throw failure("create a container from image " + s.image(), r);
    }
    return String.valueOf(Json.at(Json.parse(r.text()), "Id"));
  }

  /** The create request body: the Engine API's names for every field of the spec. */
  static Map<String, Object> body(ContainerSpec s) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("Image", s.image());
    c.put("User", s.user());
    c.put("Env", s.env());
    c.put("Labels", s.labels());
    if (!s.entrypoint().isEmpty()) {
      c.put("Entrypoint", s.entrypoint());
    }
    if (!s.cmd().isEmpty()) {
      c.put("Cmd", s.cmd());
    }
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("Binds", s.binds());
    host.put("GroupAdd", s.groupAdd());
    host.put("CapDrop", s.capDrop());
    host.put("SecurityOpt", s.securityOpts());
    host.put("PidsLimit", s.pidsLimit());
    host.put("NetworkMode", s.network());
    host.put("Init", false);
    if (!s.ports().isEmpty()) {
      Map<String, Object> exposed = new LinkedHashMap<>();
      Map<String, Object> bindings = new LinkedHashMap<>();
      for (int p : s.ports()) {
        exposed.put(p + "/tcp", Map.of());
        bindings.put(p + "/tcp", List.of(Map.of("HostIp", "127.0.0.1", "HostPort", "")));
      }
      c.put("ExposedPorts", exposed);
      host.put("PortBindings", bindings);
    }
    if (s.nanoCpus() > 0) {
      host.put("NanoCpus", s.nanoCpus());
    }
    if (s.memoryBytes() > 0) {
      host.put("Memory", s.memoryBytes());
      host.put("MemorySwap", s.memoryBytes());
    }
    if (s.shmBytes() > 0) {
      host.put("ShmSize", s.shmBytes());
    }
    if (s.gpus() > 0) {
      host.put("DeviceRequests", List.of(Map.of("Count", s.gpus(), "Capabilities", List.of(List.of("gpu")))));
    }
    c.put("HostConfig", host);
    return c;
  }

  @Override
  public void start(String id) {
    EngineHttp.Response r = call("POST", "/containers/" + id + "/start", null, SLOW);
    if (r.status() != 204 && r.status() != 304) {
      throw failure("start container " + id, r);
    }
  }

  @Override
  public Optional<ContainerState> inspect(String id) {
    EngineHttp.Response r = call("GET", "/containers/" + id + "/json", null, QUICK);
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw failure("inspect container " + id, r);
    }
    Object root = Json.parse(r.text());
    Object health = Json.at(root, "State", "Health", "Status");
    Object exit = Json.at(root, "State", "ExitCode");
    Map<Integer, Integer> ports = new HashMap<>();
    if (Json.at(root, "NetworkSettings", "Ports") instanceof Map<?, ?> m) {
      m.forEach((key, value) -> {
        String k = key.toString();
        if (k.endsWith("/tcp") && value instanceof List<?> l && !l.isEmpty() && Json.at(l.get(0), "HostPort") != null) {
          ports.put(Integer.parseInt(k.substring(0, k.length() - 4)), Integer.parseInt(Json.at(l.get(0), "HostPort").toString()));
        }
      });
    }
    return Optional.of(new ContainerState(Boolean.TRUE.equals(Json.at(root, "State", "Running")),
        exit instanceof Number n ? n.intValue() : -1, Boolean.TRUE.equals(Json.at(root, "State", "OOMKilled")),
        health == null ? "none" : health.toString(), ports));
  }

  @Override
  public String logTail(String id, int lines) {
    EngineHttp.Response r;
    try {
      r = call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1&tail=" + lines, null, QUICK);
    } catch (SidecarException e) {
      return "";
    }
    return r.status() == 200 ? LogFrames.text(r.body()).stripTrailing() : "";
  }

  @Override
  public boolean stop(String id, Duration grace) {
    long seconds = Math.max(0, grace.toSeconds());
    EngineHttp.Response r = call("POST", "/containers/" + id + "/stop?t=" + seconds, null, SLOW.plusSeconds(seconds));
    if (r.status() == 404) {
      return false;
    }
    if (r.status() != 204 && r.status() != 304) {
      throw failure("stop container " + id, r);
    }
    return true;
  }

  @Override
  public boolean remove(String id) {
    EngineHttp.Response r = call("DELETE", "/containers/" + id + "?force=1&v=1", null, SLOW);
    if (r.status() == 404) {
      return false;
    }
    if (r.status() != 204 && !(r.status() == 409 && r.message().contains("already in progress"))) {
      throw failure("remove container " + id, r);
    }
    return true;
  }

  @Override
  public List<Listed> list(String key, String value) {
    String filters = Json.write(Map.of("label", List.of(key + "=" + value)));
    EngineHttp.Response r = call("GET", "/containers/json?all=1&filters=" + enc(filters), null, QUICK);
    if (r.status() != 200) {
      throw failure("list containers labelled " + key + "=" + value, r);
    }
    List<Listed> out = new ArrayList<>();
    if (Json.parse(r.text()) instanceof List<?> l) {
      for (Object c : l) {
        Map<String, String> labels = new HashMap<>();
        if (Json.at(c, "Labels") instanceof Map<?, ?> m) {
          m.forEach((k, v) -> labels.put(k.toString(), String.valueOf(v)));
        }
        out.add(new Listed(String.valueOf(Json.at(c, "Id")), labels));
      }
    }
    return out;
  }

  private EngineHttp.Response call(String method, String path, String body, Duration timeout) {
    try {
      return http.send(method, path, body, timeout);
    } catch (IOException e) {
      throw EngineFailures.of("Docker engine at " + endpoint + ": " + method + " " + path + " failed: " + e.getMessage(),
          EngineFailures.NO_ANSWER, e.getMessage(), e);
    }
  }

  private SidecarException failure(String what, EngineHttp.Response r) {
    return EngineFailures.of("Docker engine at " + endpoint + " could not " + what + ": " + r.message()
        + " (HTTP " + r.status() + ")", r.status(), r.message(), null);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    // one connection per request: nothing held
  }
}
