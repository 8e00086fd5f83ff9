"""The protocol conformance suite (PROTOCOL.md), mirroring AgentContract.java: one contract run
against every agent set-up (Java agent, Java agent with --worker, sh agent under busybox and dash,
sh agent in a busybox container) with the Python client, real agent processes and real files."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import HERE, alive, await_condition
from sparksidecar import HandoffError, Marker, Volume

RUN = 60


def command_pid(request_dir: Path) -> int:
    pid_file = request_dir / "out" / ".pid"
    await_condition(pid_file.exists, 20, "the command started")
    await_condition(lambda: pid_file.read_text().strip() != "", 5, "the command wrote its pid")
    return int(pid_file.read_text().strip())


def await_gone(pid: int, what: str) -> None:
    await_condition(lambda: not alive(pid), 5, what)


def test_happy_path_returns_verified_outputs_and_the_log(harness):
    volume = harness.agent_and_volume(2)
    with volume.new_handoff() as h:
        request_id = h.id
        h.write_input("mode", b"echo").write_input("data", b"a,b\n1,2\n").expect_output("result")
        r = h.run(RUN)
        assert r.ok and r.exit_code == 0
        assert [(o.name, o.size) for o in r.outputs] == [("result", 8)]
        assert h.read_output("result") == b"a,b\n1,2\n"
        assert h.read_lines("result") == ["a,b", "1,2"]
        copy = harness.base / "copy.csv"
        h.copy_output("result", copy)
        assert copy.read_text() == "a,b\n1,2\n"
        assert "echo ok on stdout" in h.log() and "echo ok on stderr" in h.log()
        assert h.output_names() == ["result"]
    assert not (harness.volume_dir / "requests" / request_id).exists()
    assert os.listdir(harness.volume_dir / "done") == []
    volume.close()
    assert os.listdir(harness.volume_dir / "requests") == [], "nothing left once the volume is closed"


def test_text_lines_in_and_out(harness):
    volume = harness.agent_and_volume(2)
    with volume.new_handoff() as h:
        h.write_input("mode", b"lines").write_lines("data", ["apple", "banana", "cherry"])
        h.run(RUN)
        assert h.read_lines("result") == ["1:apple", "2:banana", "3:cherry"]


def test_non_zero_exit_fails_with_exit_code_and_log_tail(harness):
    volume = harness.agent_and_volume(2)
    with volume.new_handoff("exit-3") as h:
        h.write_input("mode", b"exit").write_input("code", b"3")
        with pytest.raises(HandoffError) as e:
            h.run(RUN)
        assert e.value.exit_code == 3
        assert e.value.request_id == "exit-3"
        assert "failing with 3 on purpose" in e.value.log_tail
        assert "exit-3" in str(e.value) and "exited with 3" in str(e.value) and "failing with 3" in str(e.value)
        with pytest.raises(HandoffError, match="successful"):
            h.read_output("result")


def test_command_not_found_is_exit_127(harness):
    harness.start_agent(1, ["/nonexistent/sidecar-command"])
    volume = harness.open_volume()
    volume.await_agent(30)
    with volume.new_handoff() as h:
        h.write_input("data", b"x")
        with pytest.raises(HandoffError) as e:
            h.run(RUN)
        assert e.value.exit_code == 127
        assert "not found" in str(e.value)
        assert "sidecar-command" in e.value.log_tail


def test_declared_output_missing_fails_naming_it(harness):
    volume = harness.agent_and_volume(2)
    with volume.new_handoff() as h:
        h.write_input("mode", b"nothing").expect_output("outfile.csv")
        with pytest.raises(HandoffError) as e:
            h.run(RUN)
        assert "declared output 'outfile.csv' missing" in str(e.value)
        assert h.id in str(e.value)


def test_streams_256_mib_in_and_out_without_loading_it(harness):
    size = 256 << 20
    harness.start_agent(1)
    out = subprocess.run([sys.executable, str(HERE / "stream_client.py"), str(harness.volume_dir), str(size)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-3000:]
    report = json.loads(out.stdout.decode().strip().splitlines()[-1])
    print("256 MiB via %s: %s" % (harness.setup, report))
    assert report["same"] is True
    assert report["size"] == size
    growth_mib = (report["after_kib"] - report["before_kib"]) / 1024
    assert growth_mib < 64, "peak RSS grew by %.0f MiB while streaming 256 MiB: %s" % (growth_mib, report)


def test_hundred_concurrent_requests_on_one_volume(harness):
    volume = harness.agent_and_volume(8)

    def one(i: int) -> str:
        payload = ("payload-%d" % i + "\n" * (i % 5 + 1)).encode()
        with volume.new_handoff() as h:
            h.write_input("mode", b"echo").write_input("data", payload)
            h.run(120)
            got = h.read_output("result")
            return "ok" if got == payload else "request %s got %r" % (h.id, got)

    with ThreadPoolExecutor(100) as pool:
        results = list(pool.map(one, range(100), timeout=180))
    assert results == ["ok"] * 100
    volume.close()
    assert os.listdir(harness.volume_dir / "requests") == []
    assert os.listdir(harness.volume_dir / "done") == []


def test_agent_killed_mid_request_fails_the_client_at_once_and_nothing_looks_complete(harness):
    agent = harness.start_agent(2)
    volume = harness.open_volume()
    volume.await_agent(30)
    with volume.new_handoff() as h:
        h.write_input("mode", b"sleep").write_input("seconds", b"30").start()
        partial = harness.volume_dir / "requests" / h.id / "out" / "result"
        await_condition(partial.exists, 20, "the command started writing")
        killed_at = time.monotonic()
        agent.crash()
        with pytest.raises(HandoffError) as e:
            h.await_result(30)
        millis = (time.monotonic() - killed_at) * 1000
        assert h.id in str(e.value) and "agent" in str(e.value)
        assert millis < 2000, "failure noticed after %d ms" % millis
        assert not (harness.volume_dir / "done" / h.id).exists()
        with pytest.raises(HandoffError, match="successful"):
            h.read_output("result")


def test_agent_terminated_fails_waiters_at_once_with_its_reason(harness):
    agent = harness.start_agent(2)
    volume = harness.open_volume()
    volume.await_agent(30)
    with volume.new_handoff() as h:
        h.write_input("mode", b"sleep").write_input("seconds", b"30").start()
        pid = command_pid(harness.volume_dir / "requests" / h.id)
        agent.terminate()
        with pytest.raises(HandoffError) as e:
            h.await_result(30)
        assert h.id in str(e.value)
        assert "the agent stopped: the agent was terminated by a signal" in str(e.value)
        assert agent.await_exit(10)
        # 128 + SIGTERM, as a JVM exits: a sidecar stopped from outside is not "exited with 0"
        assert agent.exit_code() == 143, "exit status of an agent stopped by SIGTERM"
        await_gone(pid, "the agent killed its command on the way out")


def test_client_killed_mid_request_makes_the_agent_clean_up_and_stop(harness):
    agent = harness.start_agent(2, client_timeout_ms=1500)
    with open(harness.base / "client.log", "wb") as log:
        client = subprocess.Popen([sys.executable, str(HERE / "crashing_client.py"), str(harness.volume_dir)],
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        requests = harness.volume_dir / "requests"

        def running():
            return requests.is_dir() and any((d / "out" / ".pid").exists() for d in requests.iterdir())
        await_condition(running, 30, "the client's request is running")
        request_dir = next(d for d in requests.iterdir() if (d / "out" / ".pid").exists())
        pid = command_pid(request_dir)
        client.send_signal(signal.SIGKILL)
        client.wait(5)
        assert agent.await_exit(10), "agent stopped after the client died"
        await_gone(pid, "the command %d was killed" % pid)
        assert not request_dir.exists()
        assert os.listdir(harness.volume_dir / "queue") == []
        assert "client" in (Marker.read(str(harness.volume_dir / "agent" / "stopped")).get("reason") or "")
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()


def test_timeout_cancels_kills_the_command_and_cleans_up(harness):
    volume = harness.agent_and_volume(2)
    with volume.new_handoff() as h:
        h.write_input("mode", b"sleep").write_input("seconds", b"30").start()
        request_dir = harness.volume_dir / "requests" / h.id
        pid = command_pid(request_dir)
        with pytest.raises(HandoffError) as e:
            h.await_result(0.3)
        assert "timed out after 300 ms" in str(e.value) and h.id in str(e.value)
    assert not request_dir.exists()
    await_gone(pid, "the timed-out command was killed")
    await_condition(lambda: os.listdir(harness.volume_dir / "done") == [], 3, "no done marker is left")


def test_names_leaving_the_request_dir_are_refused_by_the_client(harness):
    volume = harness.agent_and_volume(1)
    with volume.new_handoff("names") as h:
        for bad in ["../x", "/etc/passwd", "a/../../x", "a//b", ".hidden", ""]:
            with pytest.raises(HandoffError) as e:
                h.write_input(bad, b"x")
            assert "names" in str(e.value) and "'%s'" % bad in str(e.value), bad
        with pytest.raises(HandoffError, match="'../y'"):
            h.expect_output("../y")
        h.write_input("mode", b"echo").write_input("data", b"x").run(RUN)
        with pytest.raises(HandoffError, match="'../../etc/passwd'"):
            h.read_output("../../etc/passwd")
    assert not list((harness.volume_dir).glob("x")) and not (harness.base / "x").exists()


def test_names_leaving_the_request_dir_are_refused_by_the_agent(harness):
    harness.agent_and_volume(1)
    outside = harness.base / "secret.txt"
    outside.write_text("secret")
    # forged requests, written with plain file operations so the client's own checks are bypassed
    d = harness.forge_request_dir("evil-link")
    (d / "mode").write_text("echo")
    os.symlink(outside, d / "data")
    (harness.volume_dir / "queue" / "evil-link").write_text("protocol=1\nid=evil-link\ninput=4 mode\ninput=6 data\n")
    harness.forge_request_dir("evil-dots")
    (harness.volume_dir / "queue" / "evil-dots").write_text("protocol=1\nid=evil-dots\ninput=6 ../../../secret.txt\n")

    def done(rid: str) -> Marker:
        path = harness.volume_dir / "done" / rid
        await_condition(path.exists, 20, "done marker of " + rid)
        return Marker.read(str(path))
    link = done("evil-link")
    assert link.get("status") == "rejected"
    assert "evil-link" in link.get("error") and "data" in link.get("error") and "symbolic link" in link.get("error")
    dots = done("evil-dots")
    assert dots.get("status") == "rejected"
    assert "evil-dots" in dots.get("error") and "'../../../secret.txt'" in dots.get("error")
    assert outside.read_text() == "secret"


def test_symlink_output_is_refused(harness):
    volume = harness.agent_and_volume(1)
    with volume.new_handoff() as h:
        h.write_input("mode", b"symlink")
        with pytest.raises(HandoffError, match="output 'link' is a symbolic link"):
            h.run(RUN)


def test_duplicate_request_ids_are_refused_and_never_run_twice(harness):
    volume = harness.agent_and_volume(2)
    with volume.new_handoff("dup") as first:
        with pytest.raises(HandoffError, match="'dup' is already in use"):
            volume.new_handoff("dup")
        first.write_input("mode", b"echo").write_input("data", b"once")
        first.run(RUN)
        done_before = (harness.volume_dir / "done" / "dup").read_text()
        # a second start marker for the same id, as a buggy or replaying client might write
        queued = harness.volume_dir / "queue" / "dup"
        queued.write_text("protocol=1\nid=dup\ninput=4 mode\ninput=4 data\n")
        await_condition(lambda: not queued.exists(), 10, "the agent dropped the duplicate start marker")
        time.sleep(0.3)
        assert (harness.volume_dir / "done" / "dup").read_text() == done_before
        assert first.log().count("echo ok on stdout") == 1


def test_legacy_flag_round_trip(harness):
    agent = harness.start_agent(1, legacy=True)
    with Volume.open_legacy(harness.volume_dir) as volume, volume.new_handoff() as h:
        h.write_input("mode", b"echo").write_input("data", b"legacy,payload\n").expect_output("result")
        r = h.run(RUN)
        assert r.exit_code == 0
        assert h.read_output("result") == b"legacy,payload\n"
        assert "echo ok on stdout" in h.log()
        assert (harness.volume_dir / "start_flag").exists()
        assert (harness.volume_dir / "done_flag").exists()
    assert (harness.volume_dir / "close_flag").exists()
    assert agent.await_exit(10), "legacy agent exits after close_flag"
    assert not (harness.volume_dir / "data").exists()
    assert not (harness.volume_dir / "result").exists()


def test_streamed_inputs_are_entire_or_absent(harness):
    volume = harness.agent_and_volume(1)
    with volume.new_handoff() as h:
        in_dir = harness.volume_dir / "requests" / h.id / "in"
        with pytest.raises(RuntimeError):
            with h.open_input("data") as f:
                f.write(b"half of it")
                raise RuntimeError("the producer failed")
        assert os.listdir(in_dir) == [], "neither the input nor its temporary file is left"

        def failing(f):
            f.write(b"x" * 100)
            raise ValueError("no")
        with pytest.raises(ValueError):
            h.write_input_with("data", failing)
        assert os.listdir(in_dir) == []
        with h.open_input("data") as f:
            with pytest.raises(HandoffError, match="still open"):
                h.start()
            f.write(b"complete\n")
        h.write_input_with("mode", lambda f: f.write(b"echo"))
        h.run(RUN)
        assert h.read_output("result") == b"complete\n"


def test_outputs_are_verified_and_capped(harness):
    volume = harness.agent_and_volume(1)
    with volume.new_handoff() as h:
        h.write_input("mode", b"echo").write_input("data", b"0123456789" * 100)
        h.run(RUN)
        result = harness.volume_dir / "requests" / h.id / "out" / "result"
        result.write_bytes(b"0123456789" * 99 + b"012345678X")  # same size, other content
        with pytest.raises(HandoffError) as e:
            h.read_output("result")
        assert "output 'result'" in str(e.value) and h.id in str(e.value) and "manifest" in str(e.value)
        with pytest.raises(HandoffError, match="manifest"):
            h.copy_output("result", harness.base / "copy")
        assert not (harness.base / "copy").exists()
        result.write_bytes(b"short")
        with pytest.raises(HandoffError, match="5 bytes, the manifest says 1000"):
            h.read_output("result")
    capped = harness.open_volume(max_output_bytes=100)
    with capped.new_handoff() as h:
        h.write_input("mode", b"echo").write_input("data", b"y" * 101)
        h.run(RUN)
        with pytest.raises(HandoffError, match="over the limit of 100"):
            h.read_output("result")


def test_several_processes_share_one_volume(harness):
    volume = harness.agent_and_volume(4)
    procs = [subprocess.Popen([sys.executable, str(HERE / "shared_client.py"), str(harness.volume_dir), "10", str(i)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(3)]
    with volume.new_handoff() as h:  # the owner keeps working meanwhile
        h.write_input("mode", b"echo").write_input("data", b"owner").run(RUN)
        assert h.read_output("result") == b"owner"
    outs = [p.communicate(timeout=120) for p in procs]
    assert [o[0].decode().strip() for o in outs] == ["10"] * 3, [o[1].decode()[-2000:] for o in outs]
    assert not (harness.volume_dir / "client" / "closed").exists(), "only the owner marks the client closed"
    volume.close()
    assert (harness.volume_dir / "client" / "closed").exists()
    assert os.listdir(harness.volume_dir / "requests") == []
