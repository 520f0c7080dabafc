"""``make interop``: real strongSwan charon and libreswan pluto negotiate with simulated IOS
routers (``ikesim run --live``), everything inside a network namespace made for the run and
removed afterwards, on addresses in 127.0.0.0/8 only: nothing leaves the namespace.

charon runs with a configuration generated here (strongswan.conf: its own ports 10500/14500 so
that ikesim can bind the simulated routers' 127.0.x.y:500/4500, its vici socket and log in the
run's folder; a private /run for its fixed pid file), loads a swanctl.conf with swanctl, and is
told to initiate; the checks read ``swanctl --list-sas``, charon's log and ikesim's transcript.

pluto (libreswan conflicts with the strongSwan packages: the Makefile unpacks Debian's package
under build/libreswan) skips loopback interfaces, so its address 127.0.1.1/32 sits on a veth
inside the namespace; ``listen=`` keeps it on that address (ports 500/4500). Its helpers are
found under the fixed /usr/libexec/ipsec: a private mount namespace binds the unpacked ones
there. Its NSS database, configuration, secrets and control socket are in the run's folder.

As a program: ``python interop/harness.py --preflight [charon|pluto]`` exits 2 with one line
when a daemon or tool is missing or when we are not root (and 0 otherwise).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IKESIM = Path(sys.executable).with_name("ikesim")
CHARON = Path(os.environ.get("IKESIM_CHARON", "/usr/lib/ipsec/charon"))
SWANCTL = os.environ.get("IKESIM_SWANCTL", "swanctl")
LIBRESWAN = Path(os.environ.get("IKESIM_LIBRESWAN", ROOT / "build" / "libreswan")).resolve()
PLUTO_LIBEXEC = LIBRESWAN / "usr" / "libexec" / "ipsec"
CHARON_PORT, CHARON_NATT_PORT = 10500, 14500     # the live: section's ports
PLUGINS = ("random nonce openssl aes sha1 sha2 md5 hmac gmp kernel-netlink socket-default "
           "vici")


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
        tools = ((SWANCTL, "strongswan-swanctl"),)
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


def strongswan_conf(folder: Path) -> str:
    return f"""charon {{
  load = {PLUGINS}
  port = {CHARON_PORT}
  port_nat_t = {CHARON_NATT_PORT}
  install_routes = no
  plugins {{
    vici {{
      socket = unix://{folder}/charon.vici
    }}
  }}
  filelog {{
    run {{
      path = {folder}/charon.log
      time_format = %s
      time_add_ms = yes
      ike_name = yes
      default = 1
      ike = 2
      net = 2
      flush_line = yes
    }}
  }}
}}
swanctl {{
  load = pem pkcs1 x509 revocation constraints pubkey openssl random
}}
"""


def swanctl_conf(local: str, remote: str, secret: str = "cisco123") -> str:
    """The initiator's connection: rt1's of ../shared/fidelity/linux run A, on loopback."""
    return f"""connections {{
    vpn {{
        version = 1
        aggressive = no
        local_addrs = {local}
        remote_addrs = {remote}
        proposals = 3des-sha1-modp1024
        encap = no
        dpd_delay = 0s
        local {{
            auth = psk
            id = {local}
        }}
        remote {{
            auth = psk
            id = {remote}
        }}
        children {{
            net {{
                local_ts = 172.16.1.0/24
                remote_ts = 172.16.2.0/24
                esp_proposals = 3des-sha1
                mode = tunnel
                start_action = none
            }}
        }}
    }}
}}
secrets {{
    ike-peer {{
        id-a = {local}
        id-b = {remote}
        secret = "{secret}"
    }}
}}
"""


def libreswan_conf(local: str, remote: str) -> str:
    """rt1's conn of ../shared/fidelity/linux run D (MODP1536: Debian's build has no
    MODP1024; IKEv1 needs ikev1-policy=accept), on loopback."""
    return f"""config setup
    ikev1-policy=accept
    listen={local}

conn vpn
    ikev2=no
    authby=secret
    left={local}
    leftid={local}
    leftsubnet=172.16.1.0/24
    right={remote}
    rightid={remote}
    rightsubnet=172.16.2.0/24
    ike=3des-sha1;modp1536
    esp=3des-sha1
    pfs=no
    keyingtries=1
    auto=add
"""


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

    @property
    def log(self) -> list[str]:
        path = self.log_path
        return path.read_text(errors="replace").splitlines() if path.exists() else []


def _run(*argv: str, timeout: float = 20, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


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
        for pid in _run("ip", "netns", "pids", name).stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), 9)
        _run("ip", "netns", "del", name)


def _in_ns(ns: str, *argv: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *argv]


def _wait_for(path: Path, proc: subprocess.Popen[bytes], what: str, out: Path) -> None:
    deadline = time.monotonic() + 15
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
def charon(ns: str, folder: Path, local: str, remote: str) -> Iterator[Daemon]:
    """charon in ``ns`` with a private /run, its connection loaded."""
    (folder / "strongswan.conf").write_text(strongswan_conf(folder))
    (folder / "swanctl.conf").write_text(swanctl_conf(local, remote))
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
    for argv in (("link", "add", "lsw0", "type", "veth", "peer", "name", "lsw1"),
                 ("addr", "add", f"{local}/32", "dev", "lsw0"),
                 ("link", "set", "lsw0", "up"), ("link", "set", "lsw1", "up")):
        done = _run("ip", "-n", ns, *argv)
        if done.returncode != 0:
            raise HarnessError(f"ip {' '.join(argv)} failed: {done.stderr.strip()}")
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
             initiate_at: float = 1.0, list_at: tuple[float, ...] = (),
             limit: float = 300) -> LiveRun:
    """Run ``scenario`` live against a real ``daemon`` ("charon" or "pluto") initiating at
    ``initiate_at`` s of lab time; list its SAs at the ``list_at`` times; return when ikesim
    has finished."""
    preflight(daemon)
    folder = Path(tempfile.mkdtemp(prefix=f"ikesim-interop-{tag}-"))
    starter = charon if daemon == "charon" else pluto
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
        try:
            if not ready.wait(60):
                raise HarnessError("ikesim run --live did not start: " + "".join(errors)[-400:])
            begun = time.monotonic()           # the lab's time 0 (ikesim syncs after binding)
            pending = sorted(list_at)
            while lab.poll() is None:
                now = time.monotonic() - begun
                if initiate is None and now >= initiate_at:
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
    return run


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--preflight" or len(argv) > 2 or \
            (len(argv) == 2 and argv[1] not in ("charon", "pluto")):
        print("usage: harness.py --preflight [charon|pluto]", file=sys.stderr)
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
