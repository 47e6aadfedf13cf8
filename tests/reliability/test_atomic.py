"""No lost work: compile, docs and fmt killed at random moments leave whole output behind.

Each writer runs as a real ``osm`` process that gets SIGKILL (or SIGINT) at a random moment
of its run, several times. Afterwards the output is exactly the previous one or exactly the
new one, never partial or missing. SIGINT before the swap cleans up the temporary at once; a
SIGINT during the deletion of the previous output (after the report) or a SIGKILL can leave
temporary siblings, each recognisable (its name and osm's manifest), which the next run removes;
nothing else next to the output is ever deleted.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from metriclang.atomic import _listed
from tests.conftest import ROOT

SOURCE = 'source s "S" {\n  table a.t\n  time at\n  dimension d\n}\n'


def write_project(root: Path, measures: int, variant: str) -> None:
    """A project of ``measures`` simple measures; ``variant`` changes every formula."""
    root.mkdir(parents=True, exist_ok=True)
    body = "".join(
        f'measure m{i} "M {i}" {{\n  formula sum(s, x + {variant}) / count(s where d > {i})\n'
        f"  dimensions d\n  grain week\n}}\n" for i in range(measures))
    (root / "p.osm").write_text(SOURCE + body, encoding="utf-8")


def snapshot(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*")) if p.is_file()}


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir()
                  if p.name.startswith(f".{target.name}."))


def recognisable(target: Path, manifest: str) -> bool:
    """Every sibling left next to ``target`` is osm's: the temporary prefix and osm's manifest,
    or, at the end of its deletion, nothing (the manifest goes last, then the directory)."""
    return all(name.startswith(f".{target.name}.osm-")
               and _osm_or_gone(target.parent / name, manifest) for name in leftovers(target))


def _osm_or_gone(folder: Path, manifest: str) -> bool:
    if _listed(folder / manifest) is not None:
        return True
    try:
        return not any(folder.iterdir())
    except FileNotFoundError:
        return True


def osm(*args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, METRICLANG_NO_CACHE="1", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "metriclang.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(*args: str) -> float:
    start = time.monotonic()
    assert osm(*args).wait(timeout=600) == 0, args
    return time.monotonic() - start


def interrupt(args: tuple[str, ...], at: float, sig: signal.Signals) -> int:
    """Exit code of ``osm args`` sent ``sig`` after ``at`` seconds; a run that hangs fails
    the test with every thread's stack (faulthandler dumps them on SIGABRT)."""
    env = dict(os.environ, METRICLANG_NO_CACHE="1", PYTHONPATH=str(ROOT), PYTHONFAULTHANDLER="1")
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen([sys.executable, "-m", "metriclang.cli", *args], env=env,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
        time.sleep(at)
        process.send_signal(sig)
        try:
            return process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            process.wait(timeout=30)
            stderr.seek(0)
            pytest.fail(f"osm {' '.join(args)} hung after {sig.name}:\n"
                        + stderr.read().decode("utf-8", "replace"))


def kill_runs(target: Path, args: tuple[str, ...], make_new: object, kills: int, seed: int,
              sig: signal.Signals = signal.SIGKILL, manifest: str = "") -> None:
    """Kill the writer ``kills`` times; the output must always be the old or the new one."""
    rng = random.Random(seed)
    timed(*args)
    old = snapshot(target)
    make_new()  # type: ignore[operator]
    duration = timed(*args)
    new = snapshot(target)
    assert new != old
    for _ in range(kills):
        _restore(target, old)
        code = interrupt(args, rng.uniform(duration * 0.4, duration * 1.05), sig)  # writing is last
        now = snapshot(target)
        assert now in (old, new), f"partial output after signal (exit {code})"
        if manifest:
            assert recognisable(target, manifest), leftovers(target)
    assert timed(*args) >= 0
    assert snapshot(target) == new
    assert leftovers(target) == []


def _restore(target: Path, files: dict[str, bytes]) -> None:
    """Put the old output back (the run may have completed before the signal)."""
    if snapshot(target) == files:
        return
    if target.is_file() or "" in files:
        target.write_bytes(files[""])
        return
    shutil.rmtree(target)
    for rel, data in files.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_bytes(data)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "interrupt"])
def test_compile_survives_signals(tmp_path: Path, sig: signal.Signals) -> None:
    project, out = tmp_path / "p", tmp_path / "build" / "sql"
    write_project(project, 12, "1")
    kill_runs(out, ("compile", str(project), "--dialect", "all", "--out", str(out)),
              lambda: write_project(project, 12, "2"), kills=4, seed=1 + int(sig), sig=sig,
              manifest="manifest.json")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "interrupt"])
def test_docs_survive_signals(tmp_path: Path, sig: signal.Signals) -> None:
    project, out = tmp_path / "p", tmp_path / "site"
    write_project(project, 60, "1")
    kill_runs(out, ("docs", str(project), "--out", str(out), "--dialect", "duckdb"),
              lambda: write_project(project, 60, "2"), kills=4, seed=3 + int(sig), sig=sig,
              manifest=".osm-manifest.json")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "interrupt"])
def test_fmt_survives_signals(tmp_path: Path, sig: signal.Signals) -> None:
    """A file being reformatted is the original or the formatted text, never a mix."""
    project = tmp_path / "p"
    write_project(project, 400, "1")
    target = project / "p.osm"
    messy = target.read_text("utf-8").replace("  formula", "formula     ").replace("\n}", "  }")
    target.write_text(messy, encoding="utf-8")

    def remess() -> None:
        target.write_text(messy, encoding="utf-8")

    rng = random.Random(7)
    duration = timed("fmt", str(target))
    formatted = target.read_bytes()
    assert formatted != messy.encode()
    for _ in range(4):
        remess()
        interrupt(("fmt", str(target)), rng.uniform(0.2, duration * 1.1), sig)
        assert target.read_bytes() in (messy.encode(), formatted)
        if sig is signal.SIGINT:
            assert leftovers(target) == []
    remess()
    timed("fmt", str(target))
    assert target.read_bytes() == formatted
    assert leftovers(target) == []


#: ``osm`` deleting every previous output in its own process, however large.
INLINE = ("import sys; from metriclang import atomic, cli; atomic.BACKGROUND_FILES = 10**9; "
          "sys.argv[0] = 'osm'; cli.main()")


def _compile(project: Path, out: Path, inline: bool = False) -> subprocess.Popen[bytes]:
    env = dict(os.environ, METRICLANG_NO_CACHE="1", PYTHONPATH=str(ROOT))
    command = ["-c", INLINE] if inline else ["-m", "metriclang.cli"]
    return subprocess.Popen([sys.executable, *command, "compile", str(project),
                             "--dialect", "all", "--out", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _settled(out: Path) -> list[str]:
    """The temporaries left next to ``out`` once no detached deletion is at work (60 s)."""
    deadline = time.monotonic() + 60
    while leftovers(out) and time.monotonic() < deadline:
        assert recognisable(out, "manifest.json"), leftovers(out)
        time.sleep(0.05)
    return leftovers(out)


def test_a_large_previous_output_is_deleted_by_a_detached_process(tmp_path: Path) -> None:
    """An old output of BACKGROUND_FILES files or more is deleted after the command has
    exited, by a process of its own: the command's exit code and new output are final when
    it exits, only recognisable temporaries are left meanwhile, then none."""
    from metriclang.atomic import BACKGROUND_FILES

    project, out = tmp_path / "p", tmp_path / "build" / "sql"
    write_project(project, 300, "1")
    timed("compile", str(project), "--dialect", "all", "--out", str(out))
    assert len(snapshot(out)) > BACKGROUND_FILES
    write_project(project, 3, "2")
    process = _compile(project, out)
    assert process.wait(timeout=120) == 0
    new = snapshot(out)
    assert len(new) == 3 * 10 + 1 and _settled(out) == [] and snapshot(out) == new


def test_interrupt_while_the_previous_output_is_deleted(tmp_path: Path) -> None:
    """The new output is in place before the old one is deleted: SIGINT at several moments
    after the report (the process stopped, then interrupted) leaves the new output whole and
    at most a recognisable old tree, which the next run removes; a run that finished before
    the signals landed left nothing. (Deleted in the command's own process here, as an output
    below BACKGROUND_FILES files is.)"""
    project, out = tmp_path / "p", tmp_path / "build" / "sql"
    caught = 0
    for delay in (0.0, 0.0, 0.01, 0.03, 0.06):
        write_project(project, 300, "1")  # about 3,000 files to delete
        timed("compile", str(project), "--dialect", "all", "--out", str(out))
        assert _settled(out) == []
        write_project(project, 3, "2")
        process = _compile(project, out, inline=True)
        assert process.stdout is not None
        assert process.stdout.readline().startswith(b"wrote ")  # the report: the swap is done
        time.sleep(delay)
        process.send_signal(signal.SIGSTOP)
        new = snapshot(out)
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGCONT)
        # interrupted (before, during or after deleting), or done before the signals landed
        finished = process.wait(timeout=120) == 0
        assert not finished or leftovers(out) == [], leftovers(out)
        assert snapshot(out) == new and len(new) == 3 * 10 + 1  # 3 measures x 10 dialects
        assert recognisable(out, "manifest.json"), leftovers(out)
        caught += bool(leftovers(out))  # the deletion was cut short
        timed("compile", str(project), "--dialect", "all", "--out", str(out))
        assert leftovers(out) == [] and snapshot(out) == new
    assert caught, "no SIGINT landed during the deletion"


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("command", ["compile", "docs"])
def test_the_sweep_deletes_only_osm_temporaries(tmp_path: Path, command: str) -> None:
    """Siblings named like a dead run's temporaries are deleted only when they hold osm's
    manifest (or nothing); a user's directory, a foreign manifest or a link are kept."""
    from metriclang.atomic import ownership

    project, out = tmp_path / "p", tmp_path / "out"
    write_project(project, 2, "1")
    manifest = "manifest.json" if command == "compile" else ".osm-manifest.json"
    pid = _dead_pid()
    ours, empty, user, foreign, link, alive = (
        tmp_path / f".out.osm-{pid}-{tag}.tmp" for tag in ("a", "b", "c", "d", "e", "f"))
    ours.mkdir()
    (ours / manifest).write_text(json.dumps(ownership({"x.sql": "00"})), encoding="utf-8")
    (ours / "x.sql").write_text("select 1", encoding="utf-8")
    empty.mkdir()
    user.mkdir()
    (user / "notes.txt").write_text("precious", encoding="utf-8")
    foreign.mkdir()
    (foreign / manifest).write_text('{"generator": "dbt", "format": 1, "files": {}}',
                                    encoding="utf-8")
    link.symlink_to(user, target_is_directory=True)
    alive = tmp_path / f".out.osm-{os.getpid()}-f.tmp"  # a live process's: not touched
    alive.mkdir()
    (alive / manifest).write_text(json.dumps(ownership({})), encoding="utf-8")
    timed(command, str(project), "--out", str(out), "--dialect", "duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["p", "out", user.name, foreign.name, link.name, alive.name])
    assert (user / "notes.txt").read_text("utf-8") == "precious"
    assert (foreign / manifest).is_file()


@pytest.mark.parametrize("command", ["compile", "docs"])
def test_writers_never_replace_foreign_output(tmp_path: Path, command: str) -> None:
    """--out naming a file, or a directory holding other files, is a usage error (exit 2)."""
    from click.testing import CliRunner

    from metriclang.cli import main

    project = tmp_path / "p"
    write_project(project, 2, "1")
    folder, file = tmp_path / "mine", tmp_path / "notes.txt"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious", encoding="utf-8")
    file.write_text("precious", encoding="utf-8")
    extra = ["--dialect", "duckdb"]
    for out in (folder, file):
        result = CliRunner().invoke(main, [command, str(project), "--out", str(out), *extra])
        assert result.exit_code == 2, result.output
    assert (folder / "notes.txt").read_text("utf-8") == "precious"
    assert file.read_text("utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "notes.txt", "p"]
    empty = tmp_path / "empty"
    empty.mkdir()
    for _ in range(2):  # an empty directory, then its own previous output, are replaced
        result = CliRunner().invoke(main, [command, str(project), "--out", str(empty), *extra])
        assert result.exit_code == 0, result.output


HELD = """
import os, signal, sys
from pathlib import Path
from metriclang import atomic
atomic._exchange = lambda a, b: False  # the two-rename fallback of systems without renameat2
out, tmp = Path(sys.argv[1]), Path(sys.argv[2])
real = os.replace
def replace(src, dst):
    real(src, dst)
    if Path(dst).name.endswith(".old"):  # between the two renames: the output is missing
        os.kill(os.getpid(), int(sys.argv[3]))
os.replace = replace
try:
    atomic.replace_dir(tmp, out)
except KeyboardInterrupt:
    print("interrupted after the swap")
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["interrupt", "term"])
def test_the_two_rename_swap_holds_signals_between_its_renames(tmp_path: Path,
                                                               sig: signal.Signals) -> None:
    """A signal arriving when the old output is renamed aside and the new one not yet in
    place is acted on only after the second rename: the output is never left missing."""
    out, tmp = tmp_path / "out", tmp_path / ".out.osm-1-x.tmp"
    out.mkdir()
    (out / "a.sql").write_text("old", encoding="utf-8")
    tmp.mkdir()
    (tmp / "a.sql").write_text("new", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", HELD, str(out), str(tmp), str(int(sig))],
                          env=env, capture_output=True, text=True, timeout=60)
    assert (out / "a.sql").read_text("utf-8") == "new"
    if sig is signal.SIGINT:
        assert done.stdout == "interrupted after the swap\n", done.stderr
    else:
        assert done.returncode == -signal.SIGTERM, done.stderr


INTERRUPTED_SWAP = """
import os, signal, sys
from pathlib import Path
from metriclang import atomic
atomic._exchange = lambda a, b: False  # the two-rename fallback
real = os.replace
def replace(src, dst):
    real(src, dst)
    if Path(dst).name.endswith(".old"):
        os.kill(os.getpid(), signal.SIGINT)
os.replace = replace
with atomic.deferred_removals():
    with atomic.output_dir(Path(sys.argv[1]), "manifest.json", "compile") as tmp:
        (tmp / "a.sql").write_text("new")
        (tmp / "manifest.json").write_text(
            '{"generator": "metriclang", "format": 1, "files": {"a.sql": '
            '"11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437"}}')
"""


def test_an_interrupted_fallback_swap_leaves_the_new_output_and_a_recognisable_old_one(
        tmp_path: Path) -> None:
    """SIGINT held between the two renames fires after them: the new output is in place, the
    old one aside (recognisable), no other exception, and the next run sweeps it."""
    from metriclang.atomic import file_sha256, ownership

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.sql").write_text("old", encoding="utf-8")
    (out / "manifest.json").write_text(
        json.dumps(ownership({"a.sql": file_sha256(out / "a.sql")})), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_SWAP, str(out)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stderr.rstrip().endswith("KeyboardInterrupt"), done.stderr
    assert "FileNotFoundError" not in done.stderr
    assert (out / "a.sql").read_text("utf-8") == "new"
    assert recognisable(out, "manifest.json") and len(leftovers(out)) == 1
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_SWAP.replace("os.kill", "None and"),
                           str(out)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert leftovers(out) == [] and (out / "a.sql").read_text("utf-8") == "new"


POOL_INTERRUPTS = """
import multiprocessing, os, random, signal, sys, threading
from pathlib import Path
from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.sqlgen.output import compile_project
project = load_project(Path(sys.argv[1])).project
rng = random.Random(int(sys.argv[2]))
for _ in range(30):
    timer = threading.Timer(rng.uniform(0, 0.3), os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        compile_project(project, OUTPUT_DIALECTS, workers=2)
        timer.join()
    except KeyboardInterrupt:
        pass
left = multiprocessing.active_children()
for worker in left:
    worker.kill()
print(len(left))
"""


def test_ctrl_c_at_any_moment_of_a_pooled_compile_leaves_no_worker(tmp_path: Path) -> None:
    """Ctrl-C at random moments of a compile with two workers (starting them, rendering,
    sending results), 30 times in one process: each returns promptly, no worker is left and
    no interrupt lands in a clean-up. With ``multiprocessing.Pool`` this left 8-22 workers of
    40 runs (an interrupt while the pool started them), and under load it hung: a worker
    stopped while sending its result kept the result queue's lock, which the pool's own
    clean-up then waited for (``metriclang.forked``)."""
    write_project(tmp_path / "p", 12, "1")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # files, not pipes: a leaked worker would hold a pipe open after the script ends
    with open(tmp_path / "out", "w+b") as out, open(tmp_path / "err", "w+b") as err:
        try:
            subprocess.run([sys.executable, "-c", POOL_INTERRUPTS, str(tmp_path / "p"), "7"],
                           env=env, stdout=out, stderr=err, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail("interrupted compiles hung")
    stderr = (tmp_path / "err").read_text("utf-8")
    assert (tmp_path / "out").read_text("utf-8") == "0\n", stderr
    assert "Exception ignored" not in stderr and "Traceback" not in stderr, stderr


def test_an_ignored_signal_stays_ignored_while_signals_are_held() -> None:
    """A process started with SIGINT ignored (a background job of a script) is not
    interrupted, nor has its work cut short, by a SIGINT inside ``signals_held``."""
    from metriclang.atomic import signals_held

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with signals_held() as caught:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert caught == []
    finally:
        signal.signal(signal.SIGINT, previous)


CACHE_INTERRUPTED = """
import os, signal, sys
from pathlib import Path
from metriclang import cachefiles

class Interrupting:
    def __reduce__(self):  # Ctrl-C while the entry is being written
        os.kill(os.getpid(), signal.SIGINT)
        return (int, ())

def interrupted():  # Ctrl-C while the entry is being computed
    os.kill(os.getpid(), signal.SIGINT)
    return ("key", 1)

where = Path(sys.argv[1])
if sys.argv[2] == "compute":
    cachefiles.compute_at_exit(where / "a.pickle", interrupted)
else:
    cachefiles.write_at_exit(where / "a.pickle", "key", Interrupting())
cachefiles.write_at_exit(where / "b.pickle", "key", 2)
print("report", flush=True)
"""


@pytest.mark.parametrize("moment", ["compute", "write"])
def test_ctrl_c_while_cache_entries_are_written_at_exit(tmp_path: Path, moment: str) -> None:
    """The report is out and the work done: Ctrl-C at exit drops the cache entries not
    written yet, without a traceback or a partial file, and keeps the exit code."""
    done = subprocess.run([sys.executable, "-c", CACHE_INTERRUPTED, str(tmp_path), moment],
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                          text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "report\n", "")
    assert [p.name for p in tmp_path.iterdir()] in ([], ["b.pickle"])
