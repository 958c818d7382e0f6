"""`atlas lint`: every check of the records, as data."""

from atlas_cli.lint.engine import LintResult, lint_paths
from atlas_cli.lint.problem import ERROR, WARNING, Problem

__all__ = ["ERROR", "WARNING", "LintResult", "Problem", "lint_paths"]
