"""Reports: a saved comparison as one file to share — HTML with its pages still running,
Markdown (alone or in a .zip with its screenshots), or a PNG contact sheet; and the arena's
leaderboard — HTML with its interval bars and win-rate heat map, Markdown tables, a PNG.

No Qt here. Screenshots the store did not keep are taken by the caller in the preview
sandbox (studio.ui.report.capture); scaling, encoding and painting pictures is asked of an
`Imaging` (studio.ui.report.imaging). Modules: `model` (the document and its sections),
`run_report` (a run → a section), `containment` (frames and Content-Security-Policies),
`html_report`, `markdown_report`, `sheet` (the contact sheet's layout), `scrub` (keys,
paths and user names out), `export` (formats, files: the entry point); for the
leaderboard `board_data` (the votes a query chooses, fitted), `board_view` (→ a section),
`board_markdown`, `board_image` (the picture's layout) and `board_export` (its entry
point). Nothing is imported here, so the command line can read `model`'s choices without
loading the templates.
"""
