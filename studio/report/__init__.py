"""Reports: a saved comparison as one file to share — HTML with its pages still running,
Markdown (alone or in a .zip with its screenshots), or a PNG contact sheet.

No Qt here. Screenshots the store did not keep are taken by the caller in the preview
sandbox (studio.ui.report.capture); scaling, encoding and painting pictures is asked of an
`Imaging` (studio.ui.report.imaging). Modules: `model` (the document and its sections),
`run_report` (a run → a section), `containment` (frames and Content-Security-Policies),
`html_report`, `markdown_report`, `sheet` (the contact sheet's layout), `scrub` (keys,
paths and user names out), `export` (formats, files: the entry point). Nothing is imported
here, so the command line can read `model`'s choices without loading the templates.
"""
