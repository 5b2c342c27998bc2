"""The JavaScript the report inlines so it opens with no network.

vl-convert ships Vega, Vega-Lite and vega-embed (with their dependencies) and
can bundle them into one script; we pin the bundle to the Vega-Lite version
altair writes its specs for, so the page and the PNG/SVG figures draw alike.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache

import altair as alt
import vl_convert as vlc

from microcred.cachedir import cache_root, write_atomically


@lru_cache(maxsize=1)
def vegalite_version() -> str | None:
    """``major.minor`` of altair's Vega-Lite schema if vl-convert has it, else None (its latest)."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vlc.get_vegalite_versions() else None


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one inline script defining ``window.vegaEmbed``.

    Building it takes seconds, and the result is deterministic for a given
    vl-convert and Vega-Lite version, so it is kept in the cache directory.
    """
    version = vegalite_version()
    path = cache_root() / "vega" / f"bundle-vlc{vlc.__version__}-vl{version or 'latest'}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    code = vlc.javascript_bundle(vl_version=version)
    with contextlib.suppress(OSError):  # a read-only home is no reason to fail the report
        write_atomically(path, code.encode("utf-8"))
    return code


def inline_js(code: str) -> str:
    """Make script text safe inside an HTML <script> element (no early ``</script>``)."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def inline_json(text: str) -> str:
    """Make JSON safe inside <script type="application/json">: ``<`` as ``\\u003c`` stays valid JSON."""
    return text.replace("<", "\\u003c")
