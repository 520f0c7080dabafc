"""``make interop``: real strongSwan charon and libreswan pluto negotiate with simulated IOS
routers (``ikesim run --live``), everything inside a network namespace made for the run and
removed afterwards, on addresses in 127.0.0.0/8 only: nothing leaves the namespace.

charon runs with a configuration generated here (strongswan.conf: its own ports 10500/14500 so
that ikesim can bind the simulated routers' 127.0.x.y:500/4500, its vici socket and log in the
run's folder; a private /run for its fixed pid file), loads a swanctl.conf with swanctl, and is
told to initiate (or waits: the lab initiates); the checks read ``swanctl --list-sas``, charon's
log and ikesim's transcript. With ``libipsec`` charon does ESP in user space (kernel-libipsec,
a TUN device, UDP encapsulation forced: interop/configs.py) for an inside address on a veth,
and commands run in the namespace at given times (``ping``) carry real traffic through it.

pluto (libreswan conflicts with the strongSwan packages: the Makefile unpacks Debian's package
under build/libreswan) skips loopback interfaces, so its address 127.0.1.1/32 sits on a veth
inside the namespace; ``listen=`` keeps it on that address (ports 500/4500). Its helpers are
found under the fixed /usr/libexec/ipsec: a private mount namespace binds the unpacked ones
there. Its NSS database, configuration, secrets and control socket are in the run's folder.

As a program: ``python -m interop.harness --preflight [charon|pluto]`` exits 2 with one line
when a daemon or tool is missing or when we are not root (and 0 otherwise).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from interop.configs import INSIDE, libreswan_conf, strongswan_conf, swanctl_conf

ROOT = Path(__file__).resolve().parent.parent
IKESIM = Path(sys.executable).with_name("ikesim")
CHARON = Path(os.environ.get("IKESIM_CHARON", "/usr/lib/ipsec/charon"))
SWANCTL = os.environ.get("IKESIM_SWANCTL", "swanctl")
LIBRESWAN = Path(os.environ.get("IKESIM_LIBRESWAN", ROOT / "build" / "libreswan")).resolve()
PLUTO_LIBEXEC = LIBRESWAN / "usr" / "libexec" / "ipsec"
LIBIPSEC = CHARON.parent / "plugins" / "libstrongswan-kernel-libipsec.so"
# IKESIM_INTEROP_KEEP=1: keep each run's folder (configurations, daemon logs) for inspection
KEEP = os.environ.get("IKESIM_INTEROP_KEEP", "") not in ("", "0")


class HarnessError(Exception):
    """Something the run needs is missing or did not start (one line, no traceback)."""


def preflight(daemon: str = "charon") -> None:
    """Raise :class:`HarnessError` naming what is missing."""
    if os.geteuid() != 0:
        raise HarnessError("interop needs root (network namespaces, the daemons' kernel "
                           "interface)")
    if daemon == "charon":
        if not (CHARON.is_file() and os.access(CHARON, os.X_OK)):
            raise HarnessError(f"the strongSwan daemon is missing: no executable {CHARON} "
                               "(apt-get install strongswan-charon strongswan-swanctl)")
        if not LIBIPSEC.is_file():
            raise HarnessError(f"strongSwan's kernel-libipsec plugin is missing: no {LIBIPSEC} "
                               "(apt-get install libcharon-extra-plugins)")
        if not Path("/dev/net/tun").exists():
            raise HarnessError("/dev/net/tun is missing (kernel-libipsec needs a TUN device)")
        tools = ((SWANCTL, "strongswan-swanctl"), ("ping", "iputils-ping"))
    else:
        pluto = PLUTO_LIBEXEC / "pluto"
        if not (pluto.is_file() and os.access(pluto, os.X_OK)):
            raise HarnessError(f"the libreswan daemon is missing: no executable {pluto} "
                               "(make interop unpacks Debian's libreswan there)")
        tools = (("certutil", "libnss3-tools"),)
    for tool, package in (*tools, ("ip", "iproute2"), ("unshare", "util-linux")):
        if shutil.which(tool) is None:
            raise HarnessError(f"{tool} is missing (apt-get install {package})")
    if not IKESIM.is_file():
        raise HarnessError(f"ikesim is not installed next to {sys.executable} (make test)")


@dataclass
class Daemon:
    """A started daemon: how to make it initiate and show its SAs, where its log is."""

    initiate: list[str]
    status: list[str]
    log: Path
    env: dict[str, str]


@dataclass
class LiveRun:
    folder: Path
    namespace: str
    log_path: Path
    ikesim_out: str = ""
    ikesim_err: str = ""
    ikesim_rc: int | None = None
    sas: dict[float, str] = field(default_factory=dict)    # lab time -> the daemon's SAs
    outputs: dict[float, str] = field(default_factory=dict)  # lab time -> a command's output

    @property
    def log(self) -> list[str]:
        path = self.log_path
        return path.read_text(errors="replace").splitlines() if path.exists() else []


def _run(*argv: str, timeout: float = 20, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


def _remove_namespace(name: str) -> None:
    """Kill every process in namespace ``name`` (the daemons, ikesim, ping), then remove it."""
    for pid in _run("ip", "netns", "pids", name).stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), 9)
    _run("ip", "netns", "del", name)


def sweep_stale_namespaces() -> list[str]:
    """Remove the namespaces (with their processes) and run folders a killed run left behind
    (SIGKILL, a CI timeout: no ``finally`` ran): ours are named after the pid of the run that
    made them, gone when it is gone (IKESIM_INTEROP_KEEP: folders stay)."""
    removed = []
    for line in _run("ip", "netns", "list").stdout.splitlines():
        m = re.match(r"(ikesim-interop-(\d+)-\S+)", line)
        if m is None or Path(f"/proc/{m.group(2)}").exists():
            continue
        _remove_namespace(m.group(1))
        removed.append(m.group(1))
    for folder in Path(tempfile.gettempdir()).glob("ikesim-interop-*"):
        m = re.match(r"ikesim-interop-(\d+)-", folder.name)
        if m is not None and not KEEP and not Path(f"/proc/{m.group(1)}").exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    return removed


@contextlib.contextmanager
def namespace(tag: str) -> Iterator[str]:
    name = f"ikesim-interop-{os.getpid()}-{tag}"
    done = _run("ip", "netns", "add", name)
    if done.returncode != 0:
        raise HarnessError(f"cannot create the network namespace {name}: {done.stderr.strip()}")
    try:
        _run("ip", "-n", name, "link", "set", "lo", "up")
        yield name
    finally:
        _remove_namespace(name)


@functools.cache
def kernel_has_esp() -> bool:
    """Whether this kernel can hold the ESP SA the live labs negotiate (3DES/HMAC-SHA1, tunnel
    mode): probed by adding one xfrm state in a namespace of our own. Where it cannot, the
    daemons' kernel interface refuses quick mode's SAs (../shared/fidelity/linux runs A, D);
    where it can, quick mode completes. The machine this was written on answers "Requested
    CRYPT algorithm not found"."""
    with namespace("esp-probe") as ns:
        done = _run("ip", "-n", ns, "xfrm", "state", "add", "src", "127.0.1.1", "dst",
                    "127.0.2.2", "proto", "esp", "spi", "0x100", "mode", "tunnel", "enc",
                    "cbc(des3_ede)", "0x" + "01" * 24, "auth-trunc", "hmac(sha1)",
                    "0x" + "02" * 20, "96")
    return done.returncode == 0


def _ip(ns: str, *commands: tuple[str, ...]) -> None:
    for argv in commands:
        done = _run("ip", "-n", ns, *argv)
        if done.returncode != 0:
            raise HarnessError(f"ip {' '.join(argv)} failed: {done.stderr.strip()}")


def _in_ns(ns: str, *argv: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *argv]


def _wait_for(path: Path, proc: subprocess.Popen[bytes], what: str, out: Path) -> None:
    deadline = time.monotonic() + 30       # generous: a loaded machine starts slowly
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise HarnessError(f"{what} did not start: "
                               + out.read_text(errors="replace")[-400:])
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def charon(ns: str, folder: Path, local: str, remote: str, *, libipsec: bool = False
           ) -> Iterator[Daemon]:
    """charon in ``ns`` with a private /run, its connection loaded; with ``libipsec``, ESP in
    user space (kernel-libipsec, UDP encapsulation forced) for the inside address
    :data:`INSIDE` on a veth (no dummy driver here)."""
    if libipsec:
        _ip(ns, ("link", "add", "inside0", "type", "veth", "peer", "name", "inside1"),
            ("addr", "add", f"{INSIDE}/24", "dev", "inside0"), ("link", "set", "inside0", "up"),
            ("link", "set", "inside1", "up"))
    (folder / "strongswan.conf").write_text(strongswan_conf(folder, libipsec=libipsec))
    (folder / "swanctl.conf").write_text(swanctl_conf(local, remote, encap=libipsec))
    env = dict(os.environ, STRONGSWAN_CONF=str(folder / "strongswan.conf"))
    vici = f"unix://{folder}/charon.vici"
    out = folder / "charon.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen(_in_ns(ns, "unshare", "--mount", "--propagation", "private",
                                       "sh", "-c", f"mount -t tmpfs none /run && exec {CHARON}"),
                                stdout=sink, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_for(folder / "charon.vici", proc, "charon", out)
            loaded = _run(*_in_ns(ns, SWANCTL, "--load-all", "--file",
                                  str(folder / "swanctl.conf"), "--uri", vici), env=env)
            if loaded.returncode != 0:
                raise HarnessError(f"swanctl --load-all failed: {loaded.stdout}{loaded.stderr}")
            yield Daemon(initiate=[SWANCTL, "--initiate", "--child", "net", "--uri", vici],
                         status=[SWANCTL, "--list-sas", "--uri", vici],
                         log=folder / "charon.log", env=env)
        finally:
            _stop(proc)


@contextlib.contextmanager
def pluto(ns: str, folder: Path, local: str, remote: str) -> Iterator[Daemon]:
    """pluto in ``ns``: ``local`` on a veth (pluto ignores lo), its conn added at start."""
    _ip(ns, ("link", "add", "lsw0", "type", "veth", "peer", "name", "lsw1"),
        ("addr", "add", f"{local}/32", "dev", "lsw0"),
        ("link", "set", "lsw0", "up"), ("link", "set", "lsw1", "up"))
    (folder / "nss").mkdir()
    (folder / "run").mkdir()
    made = _run("certutil", "-N", "-d", f"sql:{folder / 'nss'}", "--empty-password")
    if made.returncode != 0:
        raise HarnessError(f"certutil could not make pluto's NSS database: {made.stderr}")
    (folder / "ipsec.conf").write_text(libreswan_conf(local, remote))
    (folder / "ipsec.secrets").write_text(f'{local} {remote} : PSK "cisco123"\n')
    (folder / "pluto.log").touch()
    ctl = str(folder / "run" / "pluto.ctl")
    start = (f"mount -t tmpfs none /usr/libexec && mkdir /usr/libexec/ipsec && "
             f"mount --bind {PLUTO_LIBEXEC} /usr/libexec/ipsec && "
             f"exec /usr/libexec/ipsec/pluto --nofork --stderrlog --config {folder}/ipsec.conf "
             f"--rundir {folder}/run --nssdir {folder}/nss --secretsfile {folder}/ipsec.secrets "
             f"--ipsecdir {folder}")
    out = folder / "pluto.log"
    with out.open("wb") as sink:
        proc = subprocess.Popen(_in_ns(ns, "unshare", "--mount", "--propagation", "private",
                                       "sh", "-c", start),
                                stdout=sink, stderr=subprocess.STDOUT)
        try:
            _wait_for(Path(ctl), proc, "pluto", out)
            whack = str(PLUTO_LIBEXEC / "whack")
            yield Daemon(initiate=[whack, "--ctlsocket", ctl, "--name", "vpn", "--initiate",
                                   "--asynchronous"],
                         status=[whack, "--ctlsocket", ctl, "--status"],
                         log=out, env=dict(os.environ))
        finally:
            _stop(proc)


def live_run(scenario: str, local: str, remote: str, *, tag: str, daemon: str = "charon",
             initiate_at: float | None = 1.0, list_at: tuple[float, ...] = (),
             commands: tuple[tuple[float, tuple[str, ...]], ...] = (), libipsec: bool = False,
             limit: float = 300) -> LiveRun:
    """Run ``scenario`` live against a real ``daemon`` ("charon" or "pluto") initiating at
    ``initiate_at`` s of lab time (None: never, the lab initiates); list its SAs at the
    ``list_at`` times; start each of ``commands`` (time, argv) in the namespace at its time
    (its output in ``LiveRun.outputs``); return when ikesim and the commands have finished."""
    preflight(daemon)
    folder = Path(tempfile.mkdtemp(prefix=f"ikesim-interop-{os.getpid()}-{tag}-"))
    try:
        return _live_run(folder, scenario, local, remote, tag=tag, daemon=daemon,
                         initiate_at=initiate_at, list_at=list_at, commands=commands,
                         libipsec=libipsec, limit=limit)
    except BaseException:
        if not KEEP:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _live_run(folder: Path, scenario: str, local: str, remote: str, *, tag: str, daemon: str,
              initiate_at: float | None, list_at: tuple[float, ...],
              commands: tuple[tuple[float, tuple[str, ...]], ...], libipsec: bool,
              limit: float) -> LiveRun:
    starter = functools.partial(charon, libipsec=libipsec) if daemon == "charon" else pluto
    with namespace(tag) as ns, starter(ns, folder, local, remote) as real:
        run = LiveRun(folder, ns, real.log)
        lab = subprocess.Popen(_in_ns(ns, str(IKESIM), "run", "--live", "--progress", "never",
                                      str(ROOT / scenario)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        errors: list[str] = []
        ready = threading.Event()

        def read_stderr() -> None:
            for line in lab.stderr:               # type: ignore[union-attr]
                errors.append(line)
                if line.startswith("ikesim: live: ") and "real time" in line:
                    ready.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        output: list[str] = []
        writer = threading.Thread(target=lambda: output.extend(lab.stdout), daemon=True)  # type: ignore[arg-type]
        writer.start()
        initiate = None
        started: dict[float, subprocess.Popen[str]] = {}
        try:
            if not ready.wait(60):
                raise HarnessError("ikesim run --live did not start: " + "".join(errors)[-400:])
            begun = time.monotonic()           # the lab's time 0 (ikesim syncs after binding)
            pending = sorted(list_at)
            queued = sorted(commands)
            while lab.poll() is None:
                now = time.monotonic() - begun
                if queued and now >= queued[0][0]:
                    at, argv = queued.pop(0)
                    started[at] = subprocess.Popen(_in_ns(ns, *argv), stdout=subprocess.PIPE,
                                                   stderr=subprocess.STDOUT, text=True)
                if initiate is None and initiate_at is not None and now >= initiate_at:
                    initiate = subprocess.Popen(_in_ns(ns, *real.initiate),
                                                stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL, env=real.env)
                if pending and now >= pending[0]:
                    shown = _run(*_in_ns(ns, *real.status), env=real.env)
                    run.sas[pending.pop(0)] = shown.stdout + shown.stderr
                if now > limit:
                    raise HarnessError(f"ikesim run --live did not finish within {limit:g} s")
                time.sleep(0.02)
        finally:
            if lab.poll() is None:
                lab.kill()
            lab.wait()
            reader.join(10)
            writer.join(10)
            run.ikesim_out, run.ikesim_err = "".join(output), "".join(errors)
            run.ikesim_rc = lab.returncode
            if initiate is not None and initiate.poll() is None:
                initiate.kill()
                initiate.wait()
            for at, proc in started.items():
                try:
                    run.outputs[at] = proc.communicate(timeout=30)[0]
                except subprocess.TimeoutExpired:
                    proc.kill()
                    run.outputs[at] = proc.communicate()[0] + "\n(killed after 30 s)"
    return run


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--preflight" or len(argv) > 2 or \
            (len(argv) == 2 and argv[1] not in ("charon", "pluto")):
        print("usage: python -m interop.harness --preflight [charon|pluto]", file=sys.stderr)
        return 2
    try:
        for daemon in argv[1:] or ["charon", "pluto"]:
            preflight(daemon)
    except HarnessError as exc:
        print(f"interop: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
