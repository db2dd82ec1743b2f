"""Exporting reports from the app: the "Export report…" dialog and the work behind it.

The main window owns one `ReportExports` and calls `export_run(run_id)` from its File menu
and from the history's context menu; `export_batch(batch_id)` opens the same dialog for a
batch (the grid window asks for it), `export_leaderboard(query)` for the arena's
leaderboard, and `export(request)` for any `ReportRequest`. The dialog, the
screenshots (taken in the preview sandbox) and the writing (studio.report) are loaded only
when a report is first exported.
"""

from studio.ui.report.exports import ReportExports

__all__ = ["ReportExports"]
