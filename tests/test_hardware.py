"""Device and bf16 detection: read from the hardware, never assumed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mediaframe import hardware
from mediaframe.errors import MediaframeError
from mediaframe.hardware import bf16_supported, resolve_bf16, resolve_device

CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 {extra}\n\nprocessor\t: 1\n"


@pytest.mark.parametrize(("extra", "expected"), [("avx512_bf16", True), ("amx_bf16 amx_tile", True), ("avx512f", False)])
def test_hardware_cpu_bf16_comes_from_cpu_flags(tmp_path: Path, extra: str, expected: bool) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(CPUINFO.format(extra=extra))
    assert bf16_supported("cpu", cpuinfo) is expected


def test_hardware_unreadable_cpuinfo_means_no_bf16(tmp_path: Path) -> None:
    assert bf16_supported("cpu", tmp_path / "missing") is False


def test_hardware_bf16_off_and_auto_follow_the_one_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hardware, "bf16_pays", lambda device: False)
    assert resolve_bf16("auto", "cpu") is False and resolve_bf16("off", "cpu") is False
    monkeypatch.setattr(hardware, "bf16_pays", lambda device: True)
    assert resolve_bf16("auto", "cpu") is True and resolve_bf16("off", "cpu") is False


@pytest.mark.parametrize(("flags", "capability", "pays"), [
    ("avx512_bf16", "AVX512", True), ("amx_bf16 amx_tile", "AVX512", True),
    ("amx_bf16", "AVX2", False),  # the flag without AVX-512 kernels: bf16 would be emulated
    ("avx2", "AVX512", False),
])
def test_hardware_bf16_pays_needs_the_flag_and_the_kernels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: str, capability: str, pays: bool
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    assert hardware.bf16_pays("cpu", cpuinfo) is pays


def test_hardware_physical_cores_counts_hyperthreads_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("".join(f"processor\t: {i}\nphysical id\t: 0\ncore id\t\t: {i // 2}\n\n" for i in range(8)))
    monkeypatch.setattr(hardware.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert hardware.physical_cores(cpuinfo) == 4, "eight hyperthreads on four cores"
    monkeypatch.setattr(hardware.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert hardware.physical_cores(cpuinfo) == 2, "never more than the CPUs this process may use"


def test_hardware_bf16_forced_on_a_gpu_without_it_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hardware, "bf16_pays", lambda device: False)
    with pytest.raises(MediaframeError, match="no bf16"):
        resolve_bf16("on", "cuda")
    assert resolve_bf16("on", "cpu") is True


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without a GPU")
def test_hardware_cuda_without_gpu_is_a_clear_error() -> None:
    assert resolve_device("auto") == "cpu"
    with pytest.raises(MediaframeError, match="no CUDA GPU"):
        resolve_device("cuda")


def test_hardware_auto_device_without_a_gpu_driver_is_decided_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hardware, "gpu_driver_present", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: pytest.fail("torch was asked"))
    assert resolve_device("auto") == "cpu"
    assert resolve_device("cpu") == "cpu"


@pytest.mark.parametrize(("busy_share", "cpus", "threads"), [(0.0, 2, 2), (0.2, 2, 2), (0.5, 2, 1), (0.95, 2, 1), (0.25, 4, 3)])
def test_hardware_auto_threads_leaves_out_cores_other_processes_keep_busy(
    monkeypatch: pytest.MonkeyPatch, busy_share: float, cpus: int, threads: int
) -> None:
    readings = iter([(1000, 2000), (1000 + int(1000 * busy_share), 3000)])
    monkeypatch.setattr(hardware, "cpu_times", lambda path: next(readings))
    monkeypatch.setattr(hardware.os, "cpu_count", lambda: cpus)
    monkeypatch.setattr(hardware, "physical_cores", lambda: cpus)
    monkeypatch.setattr(hardware.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(hardware, "own_cpu_seconds", lambda: 0.0)
    assert hardware.auto_threads() == threads


def test_hardware_watching_started_early_leaves_out_this_process_and_waits_only_for_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readings = iter([(1000, 2000), (1000 + 1000, 3000)])  # every CPU busy over the watch ...
    own = iter([5.0, 5.0 + 1000 / hardware.CLOCK_TICKS])  # ... with this process's own work
    clock = iter([100.0, 100.1, 100.15])
    slept: list[float] = []
    monkeypatch.setattr(hardware, "cpu_times", lambda path: next(readings))
    monkeypatch.setattr(hardware, "own_cpu_seconds", lambda: next(own))
    monkeypatch.setattr(hardware.time, "monotonic", lambda: next(clock, 100.15))
    monkeypatch.setattr(hardware.time, "sleep", slept.append)
    monkeypatch.setattr(hardware.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(hardware, "physical_cores", lambda: 2)
    watch = hardware.watch_cpus()
    assert hardware.auto_threads(watch) == 2, "the work was this process's own: no core is taken by others"
    assert slept == [pytest.approx(hardware.BUSY_SAMPLE_SECONDS - 0.15)]


def test_hardware_a_watch_left_unread_for_long_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([(0, 0), (1000, 2000), (1000, 3000)])  # the old watch, then a fresh sample of idle CPUs
    monkeypatch.setattr(hardware, "cpu_times", lambda path: next(readings))
    monkeypatch.setattr(hardware, "own_cpu_seconds", lambda: 0.0)
    monkeypatch.setattr(hardware.time, "sleep", lambda seconds: None)
    watch = hardware.watch_cpus()
    stale = hardware.CpuWatch(watch.started - hardware.WATCH_EXPIRES - 1, watch.times, watch.own)
    assert hardware.busy_cpus(watch=stale) == 0.0


def test_hardware_cpu_times_reads_busy_and_total_jiffies(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 20 800 10 1 2 3 7 0\ncpu0 50 0 10 400 5 0 1 1 3 0\n")
    assert hardware.cpu_times(stat) == (131, 941), "busy = all but idle and iowait; guest is inside user"
    assert hardware.cpu_times(tmp_path / "absent") is None
