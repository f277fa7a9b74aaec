"""Move a generated project to a newer Node.js or Alpine base image.

``bump_project`` is the entry point; the CLI's ``nodeship bump`` renders its
``BumpResult``.
"""

from nodeship.bump.bump import BumpResult, bump_project
from nodeship.bump.edits import BumpError, FileChange, ImageVersions

__all__ = ["BumpError", "BumpResult", "FileChange", "ImageVersions", "bump_project"]
