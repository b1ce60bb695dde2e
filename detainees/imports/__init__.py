"""Imports from the custody platform (detentions) and the health platform (health checks): CSV, XLSX
and JSON, dry run first, idempotent on the platforms' references (DESIGN.md §3).

    parsing     files and JSON to rows of {key: value}
    validating  each row checked (new / updated / unchanged / invalid) and applied through the services
    applying    the import as a whole: dry run, confirmation, batches, progress, the ImportLog
"""

from .applying import (
    MAX_STORED_ERRORS,
    apply_import,
    check_upload,
    confirm_import,
    discard_import,
    import_file,
    import_records,
    remove_refused_imports,
    sweep_imports,
    valid_count,
)
from .parsing import ImportFileError

__all__ = [
    "MAX_STORED_ERRORS",
    "ImportFileError",
    "apply_import",
    "check_upload",
    "confirm_import",
    "discard_import",
    "import_file",
    "import_records",
    "remove_refused_imports",
    "sweep_imports",
    "valid_count",
]
