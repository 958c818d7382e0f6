"""Where atlas itself comes from: the repository and tag a new atlas pins.

The repository is the `Repository` URL of the installed package's metadata
(`[project.urls]` in atlas's pyproject.toml, the one place it is written); the tag
is `v<version>` of the running atlas, as the release workflow names releases.
"""

from __future__ import annotations

from importlib import metadata

from atlas_cli import __version__

DISTRIBUTION = "atlas-cli"


def repository_url() -> str | None:
    """The URL of atlas's source repository, from the package metadata (None if not installed)."""
    try:
        urls = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("repository", "source"):
            return url.strip()
    return None


def release_tag() -> str:
    """The tag of the running version's release: `v0.1.0`."""
    return f"v{__version__}"
