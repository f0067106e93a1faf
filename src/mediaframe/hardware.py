"""The hardware, detected rather than assumed: the device, physical cores and threads, and where bf16 pays."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from mediaframe.errors import MediaframeError

logger = logging.getLogger(__name__)

CPU_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})
FAST_BF16_CAPABILITIES = frozenset({"AVX512", "AVX512_BF16", "AMX", "AVX512_AMX"})  # torch CPU kernels that use them
GPU_DEVICE_FILES = ("/dev/nvidia0", "/dev/nvidiactl", "/dev/kfd", "/dev/dxg", "/proc/driver/nvidia/version")  # CUDA, ROCm, WSL2
BUSY_SAMPLE_SECONDS = 0.2  # how long auto_threads watches the CPUs
BUSY_CORE = 0.7  # CPUs' worth of others' work that counts as one busy core (short bursts do not)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100  # /proc/stat's units per second
WATCH_EXPIRES = 10.0  # seconds after which an unread watch says nothing about the CPUs now


def resolve_device(choice: str) -> str:
    """'auto' -> 'cuda' when a GPU is visible, else 'cpu'; 'cuda' without a GPU is refused.

    Raises:
        MediaframeError: an unknown choice, or 'cuda' on a machine without a usable GPU.
    """
    if choice not in ("auto", "cpu", "cuda"):
        raise MediaframeError(f"device {choice!r}: expected auto, cpu or cuda")
    if choice == "cpu" or (choice == "auto" and not gpu_driver_present()):
        return "cpu"  # decided without importing torch (seconds of startup)
    import torch

    if choice == "cuda" and not torch.cuda.is_available():
        raise MediaframeError("device 'cuda' requested but no CUDA GPU is visible to torch; use --device cpu or auto")
    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return choice


def gpu_driver_present() -> bool:
    """A GPU driver's device files exist (no CUDA or ROCm GPU can be visible to torch without them)."""
    return any(os.path.exists(path) for path in GPU_DEVICE_FILES)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU feature flags the kernel reports (empty where /proc/cpuinfo is not readable)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cpu_family(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's matrix hardware, which decides the fastest scoring path: amx, avx512_bf16, or other."""
    flags = cpu_flags(cpuinfo)
    if "amx_bf16" in flags:
        return "amx"
    return "avx512_bf16" if "avx512_bf16" in flags else "other"


def bf16_supported(device: str, cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Native bf16 on this device: the GPU says so, or the CPU has AMX-BF16 or AVX512-BF16."""
    if device == "cuda":
        import torch

        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False))
    return bool(cpu_flags(cpuinfo) & CPU_BF16_FLAGS)


def bf16_pays(device: str, cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """The one rule for "bf16 pays here", used by training and prediction: a GPU with bf16, or a CPU with
    AMX-BF16/AVX512-BF16 whose torch dispatches AVX-512 kernels (without them bf16 is emulated, slower than fp32)."""
    if device == "cuda":
        return bf16_supported(device)
    import torch

    capability = torch.backends.cpu.get_cpu_capability().upper()
    return bf16_supported("cpu", cpuinfo) and capability in FAST_BF16_CAPABILITIES


def physical_cores(cpuinfo: Path = Path("/proc/cpuinfo")) -> int:
    """Physical cores this process may use (hyperthreads counted once)."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return allowed
    cores, physical = set(), ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "physical id":
            physical = value.strip()
        elif key.strip() == "core id":
            cores.add((physical, value.strip()))
    return max(1, min(allowed, len(cores) or allowed))


@dataclass(frozen=True)
class CpuWatch:
    """The CPUs' counters when a watch began (`watch_cpus`): its start, (busy, total) jiffies, this process's CPU time."""

    started: float
    times: tuple[int, int] | None
    own: float


def auto_threads(watch: CpuWatch | None = None) -> int:
    """One thread per physical core that other processes leave idle, watched for a fifth of a second.

    torch's and OpenVINO's threads wait on each other at every operation: on cores that other jobs keep
    busy, two threads run several times slower than one, so busy cores are left out. What the CPUs do
    now is watched rather than read from the load average, which lags by a minute and so counts the
    run that just ended on the same machine (a benchmark's previous step, a script's previous command).
    A `watch` begun earlier (while the libraries loaded) shortens the wait to what is left of the sample.
    """
    cores = physical_cores()
    return max(1, cores - int(busy_cpus(watch=watch) + 1 - BUSY_CORE))


def watch_cpus(stat: Path = Path("/proc/stat")) -> CpuWatch:
    """Start watching the CPUs now; hand the watch to `auto_threads` later, so that the watching overlaps a
    command's imports and model loading instead of adding to them."""
    return CpuWatch(time.monotonic(), cpu_times(stat), own_cpu_seconds())


def busy_cpus(seconds: float = BUSY_SAMPLE_SECONDS, stat: Path = Path("/proc/stat"), watch: CpuWatch | None = None) -> float:
    """CPUs' worth of work done by other processes over at least `seconds` (since `watch` began, where one is
    given and not older than WATCH_EXPIRES); the 1-minute load average where /proc/stat is not readable."""
    if watch is None or time.monotonic() - watch.started > WATCH_EXPIRES:
        watch = watch_cpus(stat)
    started, before, own_before = watch.started, watch.times, watch.own
    if before is None:
        try:
            return os.getloadavg()[0]
        except OSError:
            return 0.0
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    after = cpu_times(stat)
    if after is None:
        return 0.0
    own = (own_cpu_seconds() - own_before) * CLOCK_TICKS  # this process's own work is not another's
    busy, total = after[0] - before[0] - own, after[1] - before[1]
    return max(0.0, (os.cpu_count() or 1) * busy / total) if total > 0 else 0.0


def own_cpu_seconds() -> float:
    """CPU time of this process, every thread, user and system."""
    times = os.times()
    return times.user + times.system


def cpu_times(stat: Path) -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat's first line; None where it is not readable."""
    try:
        fields = stat.read_text(encoding="ascii").split("\n", 1)[0].split()
        values = [int(v) for v in fields[1:]]
    except (OSError, ValueError):
        return None
    if len(values) < 4:
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def resolve_bf16(choice: str, device: str) -> bool:
    """'auto' -> bf16 where supported; 'on' forces it (a warning where emulated); 'off' never.

    Raises:
        MediaframeError: an unknown choice, or 'on' on a GPU without bf16.
    """
    if choice not in ("auto", "on", "off"):
        raise MediaframeError(f"training.bf16 {choice!r}: expected auto, on or off")
    supported = bf16_pays(device)
    if choice == "on" and not supported:
        if device == "cuda":
            raise MediaframeError("training.bf16 = 'on' but this GPU has no bf16; set training.bf16 to 'auto' or 'off'")
        logger.warning("bf16 forced on a CPU without AMX/AVX512-BF16: it is emulated and likely slower than fp32")
    return choice == "on" or (choice == "auto" and supported)
