"""The benchmark table's summed `full` time (scripts/bench.py), on hand-made rows."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import bench  # noqa: E402


def row(notebook: str, profile: str, wall_s: float, device: str = "CPU") -> dict:
    return {"notebook": notebook, "profile": profile, "device": device, "wall_s": wall_s, "peak_mb": 1,
            "figures": {}, "machine": "x86_64, 2 cores", "date": "2026-12-05"}


def test_totals_sum_full_rows_per_device_and_split_off_11_and_12():
    rows = [row("00_getting_started", "full", 4.0), row("10_gan_mnist", "full", 1000.0),
            row("11_score_diffusion", "full", 3600.0), row("12_families_compared", "full", 400.0),
            row("10_gan_mnist", "ci", 99.0), row("10_gan_mnist", "full", 50.0, device="GPU")]
    assert bench.totals(rows) == [
        "`full` on CPU, summed wall time: notebooks 00-10 1,004 s (0.28 h); all 4 notebooks 5,004 s (1.39 h).",
        "`full` on GPU, summed wall time: notebooks 00-10 50 s (0.01 h); all 1 notebooks 50 s (0.01 h).",
    ]


def test_render_markdown_ends_with_the_totals():
    rows = [row("00_getting_started", "full", 4.0), row("00_getting_started", "ci", 5.0)]
    text = bench.render_markdown(rows)
    assert text.rstrip().endswith(bench.totals(rows)[0])
    assert "| 00_getting_started | ci | CPU | 5.0 |" in text
