"""Agent set-ups for the conformance suite: the Java agent (per-request processes and persistent
workers) and the POSIX sh agent under busybox and dash, as local processes, and the sh agent inside
a real busybox container; all on a volume in /dev/shm (or the temp dir). Mirrors
protocol/src/test/java/.../conformance/*Launcher.java and the plugin's ContainerShAgentLauncher."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
PYTHON_DIR = HERE.parent
REPO = PYTHON_DIR.parent.parent
PROTOCOL = REPO / "protocol"
CLASSES = PROTOCOL / "target" / "classes"
AGENT_CLASS = CLASSES / "io" / "sparksidecar" / "protocol" / "agent" / "Agent.class"
SH_AGENT = PROTOCOL / "agent" / "sidecar-agent.sh"
RESOURCES = PROTOCOL / "src" / "test" / "resources" / "conformance"
COMMAND_SH = RESOURCES / "command.sh"
LEGACY_IMAGE_SH = RESOURCES / "legacy-image.sh"
BUILD_COMMAND = "cd %s && mvn -B -q -o -pl protocol compile" % REPO

if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

#: The worker loop of JavaWorkerAgentLauncher: runs the per-request script in each request.
WORKER_LOOP = ('while read -r id dir; do '
               '( cd "$dir" && SIDECAR_REQUEST_ID=$id SIDECAR_REQUEST_DIR=$dir SIDECAR_IN=$dir/in SIDECAR_OUT=$dir/out '
               'exec sh "$0" ) 2>&1 < /dev/null; echo "#sidecar:done $?"; done')

#: The container set-up: the test image (images/build.sh), its non-root user, the cleanup label.
CONTAINER_IMAGE = "spark-sidecar/busybox:1"
CONTAINER_USER = "5001:5001"
CONTAINER_LABEL = "io.sparksidecar.conformance"
#: One value of the label per pytest process, so the session can check that it left no container.
CONTAINER_RUN = "py-%d-%d" % (os.getpid(), int(time.time()))
#: Tells the suite's helper clients (subprocesses) to open volumes with ``group_writable=True``.
GROUP_WRITABLE_ENV = "SIDECAR_TEST_GROUP_WRITABLE"

_build_lock = threading.Lock()
_built = False


def require_java_agent() -> List[str]:
    """The java command prefix for the agent; compiles the classes with maven if they are missing."""
    global _built
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is not installed; the Java agent set-ups need it")
    with _build_lock:
        if not _built and not AGENT_CLASS.exists():
            mvn = shutil.which("mvn")
            if mvn is None:
                pytest.fail("%s is missing and mvn is not installed; build it with: %s" % (AGENT_CLASS, BUILD_COMMAND))
            for offline in (["-o"], []):
                r = subprocess.run([mvn, "-B", "-q"] + offline + ["-pl", "protocol", "compile"], cwd=str(REPO),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
                if r.returncode == 0 and AGENT_CLASS.exists():
                    break
            else:
                pytest.fail("could not compile the Java agent (%s); run: %s\n%s"
                            % (AGENT_CLASS, BUILD_COMMAND, r.stdout.decode(errors="replace")[-2000:]))
        _built = True
    return [java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", str(CLASSES),
            "io.sparksidecar.protocol.agent.Agent"]


def _required() -> bool:
    return os.environ.get("SIDECAR_REQUIRE_SHELLS", "").lower() == "true"


def require_shell(program: str) -> str:
    """The shell's path; skips when missing, fails instead with SIDECAR_REQUIRE_SHELLS=true (CI)."""
    path = shutil.which(program)
    if path is None:
        message = "%s is not installed (apt-get install busybox-static dash)" % program
        if _required():
            pytest.fail(message + "; SIDECAR_REQUIRE_SHELLS=true requires it")
        pytest.skip(message)
    return path


_docker_problem: Optional[str] = None
_docker_checked = False


def docker(*args: str, timeout: float = 30) -> "subprocess.CompletedProcess[str]":
    """Runs the docker CLI; stdout and stderr as text."""
    return subprocess.run(["docker"] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)


def require_container_image() -> None:
    """Skips (fails with SIDECAR_REQUIRE_SHELLS=true) without a Docker engine or the test image.
    Checked once per session."""
    global _docker_problem, _docker_checked
    with _build_lock:
        if not _docker_checked:
            _docker_checked = True
            if shutil.which("docker") is None:
                _docker_problem = "the docker CLI is not installed (apt-get install docker.io)"
            else:
                try:
                    v = docker("version", "--format", "{{.Server.Version}}", timeout=15)
                    if v.returncode != 0:
                        _docker_problem = ("no Docker engine answers (start one: setsid dockerd &): %s"
                                           % (v.stderr.strip().splitlines() or ["docker version failed"])[-1])
                    elif docker("image", "inspect", CONTAINER_IMAGE).returncode != 0:
                        _docker_problem = ("the test image %s does not exist (build it: bash %s)"
                                           % (CONTAINER_IMAGE, REPO / "images" / "build.sh"))
                except subprocess.TimeoutExpired:
                    _docker_problem = "the Docker engine did not answer within 15 s"
    if _docker_problem is not None:
        if _required():
            pytest.fail(_docker_problem + "; SIDECAR_REQUIRE_SHELLS=true requires the container set-up")
        pytest.skip(_docker_problem)


def containers_left() -> List[str]:
    """Containers of this pytest process (by label), running or not."""
    out = docker("ps", "-aq", "--filter", "label=%s=%s" % (CONTAINER_LABEL, CONTAINER_RUN))
    return out.stdout.split()


_busybox_bin: Optional[str] = None


def busybox_path(busybox: str) -> str:
    """A directory of busybox applet links, so the agent and its command use only busybox tools."""
    global _busybox_bin
    with _build_lock:
        if _busybox_bin is None:
            d = os.path.join(tempfile.gettempdir(), "sidecar-busybox-bin-py")
            if not os.access(os.path.join(d, "sh"), os.X_OK):
                os.makedirs(d, exist_ok=True)
                subprocess.run([busybox, "--install", "-s", d], check=True)
            _busybox_bin = d
    return _busybox_bin


def descendants(pid: int) -> List[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: List[int] = []
    todo = [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def await_condition(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not within %.1f s: %s" % (seconds, what))
        time.sleep(0.01)


class RunningAgent:
    """An agent as a local child process; remembers its descendants so a crash leaves nothing."""

    def __init__(self, argv: List[str], env: Dict[str, str], log: Path) -> None:
        self.log = log
        full_env = dict(os.environ)
        full_env.update(env)
        with open(log, "ab") as out:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                            env=full_env)
        self._seen: set = set()

    def remember(self) -> None:
        self._seen.update(descendants(self.process.pid))

    def crash(self) -> None:
        """SIGKILL to the agent itself (not its commands)."""
        self.remember()
        self.process.kill()
        self.process.wait(5)

    def terminate(self) -> None:
        """SIGTERM, as ``docker stop`` does."""
        self.remember()
        self.process.terminate()

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def await_exit(self, seconds: float) -> bool:
        self.remember()
        try:
            self.process.wait(seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def exit_code(self) -> int:
        """The agent's exit status, once it exited."""
        code = self.process.poll()
        assert code is not None, "the agent still runs"
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.remember()
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for pid in self._seen:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


class RunningContainer:
    """The sh agent in a container; the same handle as :class:`RunningAgent`. ``close`` copies
    the container's output to the agent log and removes the container (with every process in it)."""

    def __init__(self, container_id: str, log: Path) -> None:
        self.id = container_id
        self.log = log
        self._removed = False

    def remember(self) -> None:
        pass

    def crash(self) -> None:
        """SIGKILL to the agent (the container's main process)."""
        docker("kill", "-s", "KILL", self.id)

    def terminate(self) -> None:
        """SIGTERM, as ``docker stop`` does."""
        docker("kill", "-s", "TERM", self.id)

    def is_alive(self) -> bool:
        return docker("inspect", "-f", "{{.State.Running}}", self.id).stdout.strip() == "true"

    def await_exit(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.is_alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def exit_code(self) -> int:
        """The container's exit status, once it exited."""
        return int(docker("inspect", "-f", "{{.State.ExitCode}}", self.id).stdout.strip())

    def close(self) -> None:
        if self._removed:
            return
        self._removed = True
        try:
            with open(self.log, "ab") as out:
                subprocess.run(["docker", "logs", self.id], stdin=subprocess.DEVNULL, stdout=out,
                               stderr=subprocess.STDOUT, timeout=30)
        finally:
            r = docker("rm", "-f", self.id)
            if r.returncode != 0 and "No such container" not in r.stderr:
                raise AssertionError("could not remove container %s: %s" % (self.id, r.stderr.strip()))


class AgentSetup:
    """How to start one agent implementation; the suite runs unchanged against each."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    @property
    def in_container(self) -> bool:
        return self.name == "container"

    def require(self) -> None:
        """Skips (or fails) when what the set-up needs is missing."""
        if self.in_container:
            require_container_image()
        else:
            self.prefix(False)

    def prefix(self, legacy: bool) -> List[str]:
        if self.name in ("java", "java-worker"):
            argv = require_java_agent()
            return argv + (["--worker"] if self.name == "java-worker" and not legacy else [])
        if self.name == "busybox":
            return [require_shell("busybox"), "sh", str(SH_AGENT)]
        return [require_shell("dash"), str(SH_AGENT)]

    def env(self) -> Dict[str, str]:
        if self.name == "busybox":
            return {"PATH": busybox_path(require_shell("busybox"))}
        return {}

    def script_command(self, script: Path) -> List[str]:
        if self.name == "java-worker":
            return ["sh", "-c", WORKER_LOOP, str(script)]
        return ["sh", str(script)]

    def legacy_script_command(self, script: Path) -> List[str]:
        return ["sh", str(script)]

    def start(self, volume: Path, concurrency: int, command: List[str], legacy: bool = False,
              client_timeout_ms: int = 1500, grace_ms: int = 500) -> RunningAgent:
        options = ["--volume", str(volume), "--concurrency", str(concurrency),
                   "--client-timeout-ms", str(client_timeout_ms), "--grace-ms", str(grace_ms)]
        if legacy:
            options.append("--legacy")
        options += ["--"] + command
        log = volume.parent / (volume.name + "-agent.log")
        if self.in_container:
            return self._start_container(volume, options, log)
        return RunningAgent(self.prefix(legacy) + options, self.env(), log)

    @staticmethod
    def _start_container(volume: Path, options: List[str], log: Path) -> RunningContainer:
        """As the plugin runs a sidecar: the image's non-root user, every capability dropped,
        no-new-privileges, the volume's group added (its directories are mode 2770, setgid), the
        volume's parent bind-mounted at the same path (so the suite's paths mean the same inside).
        Unlike the plugin, the host's pid namespace, so that the suite can see that killed commands
        are really gone."""
        require_container_image()
        mount = volume.parent
        gid = os.getgid()
        for d in (mount, volume):
            os.chown(d, -1, gid)
            os.chmod(d, 0o2770)
        argv = ["run", "-d", "--label", "%s=%s" % (CONTAINER_LABEL, CONTAINER_RUN), "--pid=host",
                "--user", CONTAINER_USER, "--group-add", str(gid), "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "--network", "none",
                "-v", "%s:%s" % (mount, mount), "-v", "%s:/opt/sidecar/agent.sh:ro" % SH_AGENT,
                CONTAINER_IMAGE, "sh", "/opt/sidecar/agent.sh"] + options
        r = docker(*argv, timeout=60)
        container_id = r.stdout.strip()
        if r.returncode != 0 or len(container_id) != 64:
            raise AssertionError("docker run %s failed (exit %d): %s" % (CONTAINER_IMAGE, r.returncode, r.stderr.strip()))
        return RunningContainer(container_id, log)


SETUPS = ["java", "java-worker", "busybox", "dash", "container"]


def _scratch_root() -> Optional[str]:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@pytest.fixture
def base():
    """A scratch directory on tmpfs where available (volumes see heavy file traffic)."""
    d = tempfile.mkdtemp(prefix="sidecar-py-", dir=_scratch_root())
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


class Harness:
    """Per-test state: a volume dir, the suite's command script, and what to clean up."""

    def __init__(self, base: Path, setup: AgentSetup) -> None:
        self.base = base
        self.setup = setup
        self.volume_dir = base / "vol"
        self.volume_dir.mkdir()
        self.script = base / "command.sh"
        shutil.copy(COMMAND_SH, self.script)
        self.agents: list = []
        self.volumes: list = []

    def start_agent(self, concurrency: int, command: Optional[List[str]] = None, legacy: bool = False,
                    client_timeout_ms: int = 1500):
        if command is None:
            command = (self.setup.legacy_script_command(self.script) if legacy
                       else self.setup.script_command(self.script))
        a = self.setup.start(self.volume_dir, concurrency, command, legacy, client_timeout_ms)
        self.agents.append(a)
        return a

    def open_volume(self, **options: object):
        from sparksidecar import Volume
        if self.setup.in_container:
            options.setdefault("group_writable", True)  # the agent is another uid, in the volume's group
        v = Volume.open(self.volume_dir, **options)
        self.volumes.append(v)
        return v

    def forge_request_dir(self, request_id: str) -> Path:
        """``requests/<id>/in`` made with plain file operations, as a client would (mode 2770 when the
        agent is another uid); returns the ``in`` directory."""
        request_dir = self.volume_dir / "requests" / request_id
        (request_dir / "in").mkdir(parents=True)
        if self.setup.in_container:
            for d in (request_dir, request_dir / "in"):
                os.chmod(d, 0o2770)
        return request_dir / "in"

    def agent_and_volume(self, concurrency: int, **options: object):
        self.start_agent(concurrency)
        v = self.open_volume(**options)
        v.await_agent(30)
        return v

    def close(self) -> None:
        for v in self.volumes:
            try:
                v.close()
            except Exception:
                pass
        for a in self.agents:
            a.close()


@pytest.fixture(params=SETUPS)
def setup(request) -> AgentSetup:
    s = AgentSetup(request.param)
    s.require()  # skips (or fails) here when the set-up's shell, engine or image is missing
    return s


@pytest.fixture
def harness(base, setup, monkeypatch):
    if setup.in_container:
        monkeypatch.setenv(GROUP_WRITABLE_ENV, "1")  # for the suite's helper clients in subprocesses
    h = Harness(base, setup)
    yield h
    h.close()


@pytest.fixture(scope="session", autouse=True)
def no_container_left():
    """After the session: none of its containers is left, running or stopped."""
    yield
    if _docker_checked and _docker_problem is None:
        left = containers_left()
        if left:
            docker("rm", "-f", *left)
        assert left == [], "containers left behind (label %s=%s): %s" % (CONTAINER_LABEL, CONTAINER_RUN, left)
