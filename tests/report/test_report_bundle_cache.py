"""The report's script bundle is built once and then read from the cache directory."""

from __future__ import annotations

import pytest

from microcred.report import assets


def test_bundle_is_cached_on_disk_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_CACHE", str(tmp_path))
    monkeypatch.setattr(assets.vlc, "javascript_bundle", lambda vl_version=None: "/*bundle*/")
    assets.vega_bundle.cache_clear()
    try:
        assert assets.vega_bundle() == "/*bundle*/"
        files = list((tmp_path / "vega").glob("bundle-*.js"))
        assert [f.read_text() for f in files] == ["/*bundle*/"]

        def no_rebuild(vl_version=None):
            raise AssertionError("the cached bundle should have been read")

        monkeypatch.setattr(assets.vlc, "javascript_bundle", no_rebuild)
        assets.vega_bundle.cache_clear()
        assert assets.vega_bundle() == "/*bundle*/"
    finally:
        assets.vega_bundle.cache_clear()


def test_unwritable_cache_still_returns_the_bundle(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MICROCRED_CACHE", str(blocker))
    monkeypatch.setattr(assets.vlc, "javascript_bundle", lambda vl_version=None: "/*b*/")
    assets.vega_bundle.cache_clear()
    try:
        assert assets.vega_bundle() == "/*b*/"
    finally:
        assets.vega_bundle.cache_clear()
    with pytest.raises(OSError):
        (blocker / "vega").mkdir(parents=True)
