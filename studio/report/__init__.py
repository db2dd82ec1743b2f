"""Reports: a saved comparison as one file to share — HTML with its pages still running,
Markdown (alone or in a .zip with its screenshots), or a PNG contact sheet.

No Qt here. Screenshots that the store did not keep are taken by the caller in the preview
sandbox (studio.ui.report.capture); scaling, encoding and painting pictures is asked of an
`Imaging` (studio.ui.report.imaging). Modules: `model` (the document and its sections),
`run_report` (a run → a section), `containment` (frames and Content-Security-Policies),
`html_report`, `markdown_report`, `sheet` (the contact sheet's layout), `scrub` (keys,
paths and user names out), `export` (formats and files).
"""

from studio.report.export import (
    FORMAT_NAMES,
    ExportResult,
    Imaging,
    ReportError,
    ReportFormat,
    ReportOptions,
    RunSource,
    Shot,
    load_run,
    report_format,
    write_run_report,
)
from studio.report.model import LAYOUTS, THEMES, Layout, ReportDocument, ThemeChoice

__all__ = [
    "FORMAT_NAMES",
    "LAYOUTS",
    "THEMES",
    "ExportResult",
    "Imaging",
    "Layout",
    "ReportDocument",
    "ReportError",
    "ReportFormat",
    "ReportOptions",
    "RunSource",
    "Shot",
    "ThemeChoice",
    "load_run",
    "report_format",
    "write_run_report",
]
