"""Profiles, seeding, the environment report and headline results."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from course_utils import runtime


def test_profile_from_environment(monkeypatch) -> None:
    monkeypatch.delenv(runtime.PROFILE_ENV, raising=False)
    assert runtime.profile().name == "full"
    monkeypatch.setenv(runtime.PROFILE_ENV, " CI ")
    cfg = runtime.profile()
    assert cfg.name == "ci" and cfg.is_ci
    assert cfg.pick(full=10, ci=1) == 1
    assert runtime.profile("full").pick(full=10, ci=1) == 10


def test_unknown_profile_says_what_to_do(monkeypatch) -> None:
    monkeypatch.setenv(runtime.PROFILE_ENV, "fast")
    with pytest.raises(ValueError, match=r"Unknown profile 'fast'.*full, ci.*COURSE_PROFILE=ci"):
        runtime.profile()


def test_profiles_only_differ_in_sizes() -> None:
    full, ci = runtime.PROFILES["full"], runtime.PROFILES["ci"]
    assert full.train_size is None and full.val_size == 10_000 and full.test_size is None
    assert ci.train_size == 5_000 and ci.val_size == 1_000 and ci.test_size == 2_000


def test_seed_everything_repeats_numpy_and_random() -> None:
    runtime.seed_everything(7)
    first = (random.random(), np.random.rand())
    runtime.seed_everything(7)
    assert (random.random(), np.random.rand()) == first


def test_seed_everything_seeds_torch() -> None:
    import torch

    seeded = runtime.seed_everything(3)
    assert "torch" in seeded
    a = torch.randn(3)
    runtime.seed_everything(3)
    assert torch.equal(a, torch.randn(3))
    assert torch.are_deterministic_algorithms_enabled()


def test_torch_device_is_cpu_without_gpu(monkeypatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert runtime.torch_device().type == "cpu"
    assert runtime.gpu_available() is False


def test_report_line_and_gpu_notice(monkeypatch, capsys) -> None:
    monkeypatch.setenv(runtime.PROFILE_ENV, "ci")
    monkeypatch.setenv(runtime.KERNEL_ENV, "course-gpu")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    line = runtime.report()
    out = capsys.readouterr().out
    assert "profile ci" in line and "kernel course-gpu" in line and "device CPU" in line
    assert "no GPU was found" in out and out.count("\n") == 2
    monkeypatch.setenv(runtime.KERNEL_ENV, "course")
    runtime.report()
    assert "no GPU" not in capsys.readouterr().out


def test_save_headline_writes_plain_json(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(runtime.RESULTS_ENV, str(tmp_path))
    monkeypatch.setenv(runtime.PROFILE_ENV, "ci")
    path = runtime.save_headline("99_test", {"accuracy": np.float32(0.5), "steps": np.int64(3)})
    record = json.loads(path.read_text())
    assert record["notebook"] == "99_test" and record["profile"] == "ci"
    assert record["figures"] == {"accuracy": 0.5, "steps": 3}
    assert not list(tmp_path.glob("*.tmp")), "written atomically: no temporary file left"
