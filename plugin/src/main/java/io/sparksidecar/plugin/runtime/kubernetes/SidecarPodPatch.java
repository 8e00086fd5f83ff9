package io.sparksidecar.plugin.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.runtime.kubernetes.SidecarPodSpec.SharedVolume;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds a {@link SidecarPodSpec} to a pod that Spark (and a pod template) built. Uses only the
 * fabric8 model's no-argument constructors and plain setters, never the generated builders: the
 * nested builders compiled against fabric8 7.x (Spark 4.x) throw {@code IncompatibleClassChangeError}
 * on 6.x (Spark 3.5), plain setters exist on both. {@code restartPolicy} on a container is a 7.x
 * field; on 6.x it goes into the container's additional properties, which serialise the same.
 * Mutates the pod and the executor container it is given (Spark hands every step fresh objects)
 * and keeps whatever they hold; never touches the executor container's image or command.
 * Not thread-safe for one pod; separate pods may be patched concurrently.
 */
final class SidecarPodPatch {
  private static final Method SET_RESTART_POLICY = restartPolicySetter();

  private SidecarPodPatch() {}

  /**
   * Adds the sidecar container, its volumes, and the shared mounts of the executor container.
   *
   * @throws SidecarException when the pod already has what would be added (a container or volume
   *                          of the same name, a mount at the same path, a container port the sidecar wants)
   */
  static void apply(SidecarPodSpec spec, Pod pod, Container executor, String appId, String executorId) {
    PodSpec podSpec = pod.getSpec();
    if (podSpec == null) {
      podSpec = new PodSpec();
      pod.setSpec(podSpec);
    }
    List<Container> initContainers = copy(podSpec.getInitContainers());
    List<Container> containers = copy(podSpec.getContainers());
    List<Volume> volumes = copy(podSpec.getVolumes());
    checkFree(spec, executor, initContainers, containers, volumes);

    List<VolumeMount> executorMounts = copy(executor.getVolumeMounts());
    List<VolumeMount> sidecarMounts = new ArrayList<>();
    for (SharedVolume v : spec.volumes()) {
      volumes.add(emptyDir(v.podVolumeName(), spec.medium(), spec.sizeLimitBytes()));
      executorMounts.add(mount(v.podVolumeName(), v.mountPath()));
      sidecarMounts.add(mount(v.podVolumeName(), v.mountPath()));
    }
    if (spec.shmBytes() > 0) {
      volumes.add(emptyDir(SidecarPodSpec.SHM_VOLUME, "Memory", spec.shmBytes()));
      sidecarMounts.add(mount(SidecarPodSpec.SHM_VOLUME, "/dev/shm"));
    }
    executor.setVolumeMounts(executorMounts);

    Container sidecar = container(spec, sidecarMounts, appId, executorId);
    if (spec.nativeSidecar()) {
      initContainers.add(sidecar); // last: after the template's own init containers, before the executor
    } else {
      containers.add(sidecar);
    }
    podSpec.setInitContainers(initContainers);
    podSpec.setContainers(containers);
    podSpec.setVolumes(volumes);
    if (spec.fsGroup() != null && !spec.volumes().isEmpty()) {
      PodSecurityContext psc = podSpec.getSecurityContext();
      if (psc == null) {
        psc = new PodSecurityContext();
        podSpec.setSecurityContext(psc);
      }
      if (psc.getFsGroup() == null) {
        psc.setFsGroup(spec.fsGroup()); // both containers get the volumes' group, as --group-add does on Docker
      }
    }
  }

  private static Container container(SidecarPodSpec spec, List<VolumeMount> mounts, String appId, String executorId) {
    Container c = new Container();
    c.setName(SidecarPodSpec.CONTAINER_NAME);
    c.setImage(spec.image());
    if (!spec.command().isEmpty()) {
      c.setCommand(new ArrayList<>(spec.command()));
    }
    if (!spec.args().isEmpty()) {
      c.setArgs(new ArrayList<>(spec.args()));
    }
    List<EnvVar> env = new ArrayList<>();
    for (SidecarPodSpec.Env e : spec.env()) {
      env.add(env(e.name(), e.value()));
    }
    env.add(env("SIDECAR_APP_ID", appId));
    env.add(env("SIDECAR_EXECUTOR_ID", executorId));
    c.setEnv(env);
    List<ContainerPort> ports = new ArrayList<>();
    for (int port : spec.ports()) {
      ContainerPort p = new ContainerPort();
      p.setContainerPort(port);
      p.setProtocol("TCP");
      ports.add(p);
    }
    c.setPorts(ports);
    c.setVolumeMounts(mounts);
    c.setSecurityContext(securityContext(spec));
    c.setResources(resources(spec));
    if (spec.probe() != null) {
      if (spec.nativeSidecar()) {
        c.setStartupProbe(probe(spec.probe())); // the executor container starts once this passes
      } else {
        c.setReadinessProbe(probe(spec.probe())); // a failing startup probe would kill it for good in a restartPolicy Never pod
      }
    }
    if (spec.nativeSidecar()) {
      setRestartPolicy(c, "Always");
    }
    return c;
  }

  private static SecurityContext securityContext(SidecarPodSpec spec) {
    SecurityContext sc = new SecurityContext();
    sc.setRunAsUser(spec.runAsUser());
    sc.setRunAsGroup(spec.runAsGroup());
    sc.setRunAsNonRoot(spec.runAsNonRoot());
    sc.setAllowPrivilegeEscalation(false);
    sc.setPrivileged(false);
    Capabilities caps = new Capabilities();
    caps.setDrop(new ArrayList<>(List.of("ALL")));
    sc.setCapabilities(caps);
    SeccompProfile seccomp = new SeccompProfile();
    seccomp.setType("RuntimeDefault");
    sc.setSeccompProfile(seccomp);
    return sc;
  }

  /** Requests equal limits: the sidecar gets what the profile promises, no more, no less. */
  private static ResourceRequirements resources(SidecarPodSpec spec) {
    Map<String, Quantity> amounts = new LinkedHashMap<>();
    if (spec.cpu() != null) {
      amounts.put("cpu", new Quantity(spec.cpu()));
    }
    if (spec.memory() != null) {
      amounts.put("memory", new Quantity(spec.memory()));
    }
    if (spec.gpus() > 0) {
      amounts.put("nvidia.com/gpu", new Quantity(String.valueOf(spec.gpus())));
    }
    ResourceRequirements r = new ResourceRequirements();
    if (!amounts.isEmpty()) {
      r.setRequests(new LinkedHashMap<>(amounts));
      r.setLimits(new LinkedHashMap<>(amounts));
    }
    return r;
  }

  private static Probe probe(SidecarPodSpec.Probe spec) {
    Probe p = new Probe();
    switch (spec.kind()) {
      case "tcp" -> {
        TCPSocketAction tcp = new TCPSocketAction();
        tcp.setPort(new IntOrString(spec.port()));
        p.setTcpSocket(tcp);
      }
      case "http" -> {
        HTTPGetAction get = new HTTPGetAction();
        get.setPort(new IntOrString(spec.port()));
        get.setPath(spec.path());
        get.setScheme("HTTP");
        p.setHttpGet(get);
      }
      default -> {
        ExecAction exec = new ExecAction();
        exec.setCommand(new ArrayList<>(spec.exec()));
        p.setExec(exec);
      }
    }
    p.setPeriodSeconds(1);
    p.setTimeoutSeconds(spec.timeoutSeconds());
    p.setFailureThreshold(spec.failureThreshold());
    p.setSuccessThreshold(1);
    return p;
  }

  private static void checkFree(SidecarPodSpec spec, Container executor, List<Container> initContainers,
      List<Container> containers, List<Volume> volumes) {
    List<Container> all = new ArrayList<>(initContainers);
    all.addAll(containers);
    for (Container c : all) {
      if (SidecarPodSpec.CONTAINER_NAME.equals(c.getName())) {
        throw new SidecarException("the executor pod already has a container named '" + SidecarPodSpec.CONTAINER_NAME
            + "' (a pod template's, or the feature step is listed twice in spark.kubernetes.executor.pod.featureSteps)");
      }
      for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
        if (p.getContainerPort() != null && spec.ports().contains(p.getContainerPort())) {
          throw new SidecarException("invalid value '" + String.join(",", spec.ports().stream().map(String::valueOf).toList())
              + "' for " + SidecarKeys.PORTS.name() + ": port " + p.getContainerPort() + " is already a port of container '"
              + c.getName() + "' of the executor pod, and the containers of a pod share one network");
        }
      }
    }
    List<String> added = new ArrayList<>(spec.volumes().stream().map(SharedVolume::podVolumeName).toList());
    if (spec.shmBytes() > 0) {
      added.add(SidecarPodSpec.SHM_VOLUME);
    }
    for (Volume v : volumes) {
      if (added.contains(v.getName())) {
        throw new SidecarException("the executor pod already has a volume named '" + v.getName() + "', which "
            + SidecarKeys.VOLUMES.name() + " would add; rename it in the pod template");
      }
    }
    for (VolumeMount m : executor.getVolumeMounts() == null ? List.<VolumeMount>of() : executor.getVolumeMounts()) {
      for (SharedVolume v : spec.volumes()) {
        String path = m.getMountPath() == null ? "" : m.getMountPath().replaceAll("/+$", "");
        if (path.equals(v.mountPath())) {
          throw new SidecarException("invalid value for " + SidecarKeys.MOUNT_BASE.name() + ": the executor container already"
              + " mounts volume '" + m.getName() + "' at " + v.mountPath());
        }
      }
    }
  }

  private static Volume emptyDir(String name, String medium, long sizeLimitBytes) {
    EmptyDirVolumeSource dir = new EmptyDirVolumeSource();
    if (!medium.isEmpty()) {
      dir.setMedium(medium);
    }
    if (sizeLimitBytes > 0) {
      dir.setSizeLimit(new Quantity(SidecarPodSpecs.bytesQuantity(sizeLimitBytes)));
    }
    Volume v = new Volume();
    v.setName(name);
    v.setEmptyDir(dir);
    return v;
  }

  private static VolumeMount mount(String name, String path) {
    VolumeMount m = new VolumeMount();
    m.setName(name);
    m.setMountPath(path);
    return m;
  }

  private static EnvVar env(String name, String value) {
    EnvVar e = new EnvVar();
    e.setName(name);
    e.setValue(value);
    return e;
  }

  private static <T> List<T> copy(List<T> list) {
    return list == null ? new ArrayList<>() : new ArrayList<>(list);
  }

  /** The container's restartPolicy: the 7.x field, or on 6.x the additional property that serialises the same. */
  static void setRestartPolicy(Container c, String policy) {
    if (SET_RESTART_POLICY != null) {
      try {
        SET_RESTART_POLICY.invoke(c, policy);
        return;
      } catch (ReflectiveOperationException e) {
        throw new SidecarException("cannot set restartPolicy on the sidecar container", e);
      }
    }
    c.setAdditionalProperty("restartPolicy", policy);
  }

  /** The restartPolicy of a container as either fabric8 line holds it, or null. */
  static String restartPolicy(Container c) {
    try {
      Object v = Container.class.getMethod("getRestartPolicy").invoke(c);
      if (v != null) {
        return (String) v;
      }
    } catch (ReflectiveOperationException e) {
      // fabric8 6.x: no such field
    }
    Object v = c.getAdditionalProperties() == null ? null : c.getAdditionalProperties().get("restartPolicy");
    return v == null ? null : v.toString();
  }

  private static Method restartPolicySetter() {
    try {
      return Container.class.getMethod("setRestartPolicy", String.class);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }
}
