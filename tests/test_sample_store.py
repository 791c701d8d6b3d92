"""Saved samples for 12: read back exactly, and never used when missing, corrupt or stale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_utils import runtime, sample_store as samples


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away repository root with the five notebooks' .py files, a samples folder, profile ci."""
    nb = tmp_path / "notebooks"
    nb.mkdir()
    for name in samples.FAMILIES.values():
        (nb / f"{name}.py").write_text("# %% [markdown]\n# text\n\n# %%\nLATENT_DIM = 2\n\n"
                                       "# %%\nsample_store.save_samples(...)\n\n# %%\nprint('after')\n")
    monkeypatch.setattr(runtime, "REPO_ROOT", tmp_path)
    monkeypatch.setenv(samples.SAMPLES_ENV, str(tmp_path / "samples"))
    monkeypatch.setenv(runtime.PROFILE_ENV, "ci")
    return tmp_path


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28), dtype=np.float32)


def _save(family: str = "VAE", seed: int = 0) -> Path:
    return samples.save_samples(family, _images(samples.sample_count(), seed), train_seconds=12.5,
                                seconds_per_1000=0.4, settings={"latent_dim": np.int64(2)},
                                log_likelihood={"nats": -99.5, "se": 0.1, "method": "IWAE"})


def test_a_saved_set_reads_back_exactly(repo: Path) -> None:
    path = _save()
    assert path.parent == repo / "samples" and "v1_06_vae_ci" in path.name
    got = samples.load_samples("VAE")
    assert np.array_equal(got.images, _images(256)) and got.images.dtype == np.float32
    assert got.notebook == "06_vae" and got.meta["settings"] == {"latent_dim": 2}
    assert got.meta["log_likelihood"]["nats"] == -99.5 and got.meta["train_seconds"] == 12.5
    assert not list(path.parent.glob(".*tmp*")), "no temporary file is left behind"


def test_the_wrong_number_or_range_of_images_is_refused(repo: Path) -> None:
    with pytest.raises(ValueError, match="exactly 256"):
        samples.save_samples("GAN", _images(100), train_seconds=1, seconds_per_1000=1, settings={})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        samples.save_samples("GAN", _images(256) * 2 - 1, train_seconds=1, seconds_per_1000=1, settings={})
    with pytest.raises(ValueError, match="unknown family"):
        samples.sample_path("flow")


def test_a_missing_file_names_the_notebook_to_run(repo: Path) -> None:
    with pytest.raises(samples.SamplesError, match=r"04_rbm\.ipynb.*ci profile"):
        samples.load_samples("RBM")


def test_load_all_lists_every_missing_family_at_once(repo: Path) -> None:
    _save("VAE")
    with pytest.raises(samples.SamplesError) as err:
        samples.load_all()
    text = str(err.value)
    assert all(nb in text for nb in ("04_rbm", "05_langevin_ebm", "10_gan_mnist", "11_score_diffusion"))
    assert "06_vae" not in text


def test_a_corrupt_file_is_not_used(repo: Path) -> None:
    path = _save()
    path.write_bytes(path.read_bytes()[:500])           # a truncated copy
    with pytest.raises(samples.SamplesError, match="cannot be read.*not used.*06_vae"):
        samples.load_samples("VAE")


def test_samples_from_changed_code_are_stale_but_text_edits_are_not(repo: Path) -> None:
    _save()
    nb = repo / "notebooks" / "06_vae.py"
    nb.write_text(nb.read_text().replace("# text", "# better text"))
    samples.load_samples("VAE")                          # markdown edited: still current
    nb.write_text(nb.read_text().replace("print('after')", "print('headline')"))
    samples.load_samples("VAE")                          # code after the save edited: still current
    task = ('# %% nbgrader={"grade": false, "grade_id": "t_solution", "solution": true}\ndef f():\n    return 1\n\n'
            '# %% nbgrader={"grade": true, "grade_id": "t", "points": 1}\nassert f() == 1\n\n')
    nb.write_text(nb.read_text().replace("# %%\nLATENT_DIM", task + "# %%\nLATENT_DIM"))
    samples.load_samples("VAE")                          # a graded task added before the save: still current
    nb.write_text(nb.read_text().replace("LATENT_DIM = 2", "LATENT_DIM = 20"))
    with pytest.raises(samples.SamplesError, match="stale.*06_vae.py has changed"):
        samples.load_samples("VAE")


def test_samples_of_another_profile_are_never_read(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _save()
    # a full-profile file renamed into the ci slot must be refused by its contents, not just by its name
    monkeypatch.setenv(runtime.PROFILE_ENV, "full")
    with pytest.raises(samples.SamplesError, match="no VAE samples for the full profile"):
        samples.load_samples("VAE")
    path.rename(samples.sample_path("VAE"))
    with pytest.raises(samples.SamplesError, match="profile 'ci', not 'full'"):
        samples.load_samples("VAE")


def test_an_interrupted_save_leaves_the_previous_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _save(seed=0)
    before = path.read_bytes()

    def broken(file, **arrays):
        Path(file).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(KeyboardInterrupt):
        _save(seed=1)
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".*tmp*"))
