"""`prompt-studio report RUN_ID -o FILE`: a saved comparison as a report to share.

The format follows the file name: .html (one file, the pages running in sandboxed frames),
.md (screenshots as PNG files in a folder next to it), .zip (the Markdown and its
screenshots) or .png (a contact sheet). Screenshots the history did not keep are taken in
the preview sandbox, which needs a display (`xvfb-run` works); without one the report is
still written and says which pages have none. Qt is imported only inside the handler.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from studio.cli.collections_cmd import REFUSED, USAGE, error
from studio.report.model import LAYOUTS, THEMES

if TYPE_CHECKING:
    from studio.report.export import ReportOptions, RunSource, Shot
    from studio.report.run_report import PageKey


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write a saved comparison as an HTML report, Markdown, a .zip or a PNG sheet",
        description="Write a saved comparison (its prompts, every model's answer, figures, "
        "errors, ratings and pages) to FILE. The format follows the extension: .html, .md, "
        ".zip or .png.")
    p.add_argument("run", metavar="RUN_ID", help="the run's number (see `history list`) or uuid")
    p.add_argument("-o", "--output", metavar="FILE", required=True,
                   help="where to write the report: .html, .md, .zip or .png")
    p.add_argument("--blind", action="store_true",
                   help="name the models A, B, C … in a shuffled order and hide their names, "
                   "settings and costs (an HTML report can reveal them with a button)")
    p.add_argument("--layout", choices=LAYOUTS, default="columns",
                   help="HTML: answers side by side or one under another (default %(default)s;"
                   " the reader can switch)")
    p.add_argument("--theme", choices=THEMES, default="auto",
                   help="HTML and PNG: colours (default %(default)s: the reader's system "
                   "setting)")
    p.add_argument("--network", choices=("on", "off"), default="off",
                   help="for screenshots taken now: on lets pages load public https libraries;"
                   " off (default) lets nothing leave the machine")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from studio.core.paths import studio_paths
    from studio.report.export import ReportError, ReportOptions, load_run, report_format
    from studio.store import Store, StoreError

    output = Path(args.output)
    try:
        report_format(output)
    except ReportError as exc:
        return error(str(exc), USAGE)
    if not output.parent.is_dir():
        return error(f"cannot write {output}: {output.parent} is not a folder", USAGE)
    try:
        store = Store.open(studio_paths().ensure())
    except StoreError as exc:
        return error(str(exc), REFUSED)
    try:
        source = load_run(store, args.run)
    except StoreError as exc:
        return error(str(exc), REFUSED)
    finally:
        store.close()
    options = ReportOptions(blind=args.blind, layout=args.layout, theme=args.theme)
    return _write(source, output, options, network=args.network == "on")


def _write(source: RunSource, output: Path, options: ReportOptions, *, network: bool) -> int:
    from studio.cli.preview_cmd import display_problem
    from studio.core.paths import studio_paths
    from studio.report.export import ReportError, write_run_report
    from studio.report.scrub import Scrubber, known_keys

    missing = source.missing()
    problem = display_problem() if missing else None
    if problem is not None or not missing:
        # Pictures are scaled and painted with Qt, which needs no screen for that.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    taken, note = _take_screenshots(source, network, capture=bool(missing) and problem is None)
    from studio.ui.report.imaging import QtImaging

    try:
        result = write_run_report(
            source, output, QtImaging(), options=options, taken=taken, no_screenshot=note,
            scrub=Scrubber(secrets=known_keys(studio_paths().providers_file)))
    except ReportError as exc:
        return error(str(exc), REFUSED)
    print(f"wrote {output} ({result.summary()})", file=sys.stderr)
    if problem is not None:
        print(f"prompt-studio: warning: {len(missing)} page screenshot"
              f"{'s were' if len(missing) != 1 else ' was'} not in the history and could not "
              "be taken without a display; run this from a desktop session, or under a "
              'virtual X server: xvfb-run -a -s "-screen 0 1920x1080x24" prompt-studio '
              "report …", file=sys.stderr)
    return 0


def _take_screenshots(source: RunSource, network: bool, *,
                      capture: bool) -> tuple[dict[PageKey, Shot], str]:
    """Start the application the pictures need and, with a display, take the screenshots
    the history lacks. Returns them and the note for pages that still have none."""
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    if capture and QCoreApplication.instance() is None:
        from studio.ui.preview.scheme import register_preview_scheme

        register_preview_scheme()  # before the application, as the preview needs
    app = QApplication.instance()
    if app is None:
        from studio.app import configure_application

        created = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "prompt-studio"])
        configure_application(created)
        app = created
    from studio.ui.report.capture import PageShooter, ShotJob, capture_problem

    problem = capture_problem()
    if not capture or problem is not None:
        return {}, problem or ""
    shooter = PageShooter([ShotJob(p.key, p.html, p.label) for p in source.missing()],
                          network=network)
    try:
        shooter.finished.connect(app.quit)
        QTimer.singleShot(0, shooter.start)
        app.exec()
        return dict(shooter.results), ""
    finally:
        shooter.deleteLater()
        # The pages must be gone before the profile, which the application owns.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
