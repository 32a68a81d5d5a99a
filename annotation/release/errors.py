"""The release's own errors: what a user can get wrong when building, loading or rehydrating one."""

from __future__ import annotations

from annotation.errors import AnnotationError

__all__ = ["ReleaseError", "MissingFileError"]


class ReleaseError(AnnotationError, ValueError):
    """Input the release cannot be built from, or a release that is not as it must be: malformed
    votes, changelog, split manifest or datasheet, an article without a split, a release whose
    files no longer match their checksums. A ``ValueError`` too, for callers that catch that."""


class MissingFileError(ReleaseError, FileNotFoundError):
    """A file the release needs does not exist: the campaign's changelog or datasheet, a release's
    ``stats.json``, ``SHA256SUMS`` or card. A ``FileNotFoundError`` too, for callers that catch that."""
