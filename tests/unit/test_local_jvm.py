"""What the local servers share, without a JVM: the state file of a server left running by ``up``, and
the error class a failed resolve raises."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from airstream.common.local_jvm import BackgroundServer, LocalServiceError, maven_jars


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BackgroundServer:
    monkeypatch.setenv("AIRSTREAM_CACHE", str(tmp_path / "cache"))
    return BackgroundServer("thing-local", "Thing", "thing up", "thing down",
                            lambda info: [info["address"], *info["extra"]])


def test_status_up_and_down_of_a_server_left_running(server: BackgroundServer,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert server.status() == 1
    assert capsys.readouterr().err == "no local Thing is running; start one with: thing up\n"
    assert not server.already_running()
    process = subprocess.Popen(["sleep", "60"])
    # The server of a real `up` is no child of `down`; here a thread reaps it, or it would linger as a zombie.
    reaper = threading.Thread(target=process.wait, daemon=True)
    reaper.start()
    try:
        server.record({"address": "127.0.0.1:1", "extra": ["client.properties"], "pids": [process.pid],
                       "data_dir": str(server.data_dir)})
        assert server.status() == 0
        assert capsys.readouterr().out == "127.0.0.1:1\nclient.properties\n"
        assert server.already_running()
        out, err = capsys.readouterr()
        assert out == "127.0.0.1:1\nclient.properties\n"
        assert err == f"already running (data in {server.data_dir}); stop it with: thing down\n"
        assert server.down() == 0
        reaper.join(10)
        assert process.returncode is not None
        assert capsys.readouterr().err == "local Thing stopped\n"
    finally:
        process.kill()
        process.wait()
    assert not server.state_file.exists()
    assert server.down() == 0
    assert capsys.readouterr().err == "no local Thing is running (nothing to stop)\n"


def test_a_state_file_whose_process_is_gone_is_not_a_running_server(server: BackgroundServer) -> None:
    process = subprocess.Popen(["true"])
    process.wait()
    server.record({"address": "127.0.0.1:1", "extra": [], "pids": [process.pid], "data_dir": "d"})
    assert server.running() is None
    assert not server.already_running()


class ThingError(LocalServiceError):
    pass


def test_maven_jars_raises_the_error_class_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSTREAM_CACHE", str(tmp_path))
    with pytest.raises(ThingError, match=r"the Maven recipe .* is missing"):
        maven_jars(tmp_path / "pom.xml", "thing-1", {}, "thing up", error=ThingError)
    with pytest.raises(LocalServiceError) as info:
        maven_jars(tmp_path / "pom.xml", "thing-1", {}, "thing up")
    assert type(info.value) is LocalServiceError
