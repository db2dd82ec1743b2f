"""Reports: a saved comparison as one file to share — HTML with its pages still running,
Markdown (alone or in a .zip with its screenshots), or a PNG contact sheet; a batch — HTML
with its matrix of thumbnails, checks and totals and each cell's answer and page on demand,
the matrix in Markdown, a contact sheet of the grid; and the arena's leaderboard — HTML with
its interval bars and win-rate heat map, Markdown tables, a PNG.

No Qt here. Screenshots the store did not keep are taken by the caller in the preview
sandbox (studio.ui.report.capture); scaling, encoding and painting pictures is asked of an
`Imaging` (studio.ui.report.imaging). Modules: `model` (the document and its sections),
`run_report` (a run → a section), `containment` (frames and Content-Security-Policies),
`html_report`, `markdown_report`, `sheet` (the contact sheet's layout), `scrub` (keys,
paths and user names out), `export` (formats, files: the entry point); for a batch
`batch_view` (→ a section), `batch_markdown`, `batch_sheet` (the contact sheet's layout) and
`batch_export` (its entry point); for the leaderboard `board_data` (the votes a query
chooses, fitted), `board_view` (→ a section), `board_markdown`, `board_image` (the
picture's layout) and `board_export` (its entry point). Nothing is imported here; the
command line reads the layouts and themes from `studio.core.constants`, which `model`'s
types are checked against.
"""
