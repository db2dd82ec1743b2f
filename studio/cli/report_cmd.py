"""`prompt-studio report`: a saved comparison, a batch (`--batch`), or the arena's
leaderboard (`--leaderboard`), as a report to share.

The format follows the file name: .html (one file; a comparison's pages run in sandboxed
frames, a batch's on demand), .md (pictures as PNG files in a folder next to it), .zip (the
Markdown and its pictures) or .png (a contact sheet of the pages or of the batch's grid; the
leaderboard's table and bars). Screenshots the history did not keep are taken in the
preview sandbox (for a batch, at most batch_export.MAX_TAKEN), which needs a display
(`xvfb-run` works); without one the report is still written and says which pages have none.
`--leaderboard` takes the `leaderboard` command's filters and fitting options. Qt is
imported only inside the handler, and not at all for a leaderboard in HTML.

Exit codes: 0 written, 1 unknown run or batch, nothing to report or the store refused,
2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from studio.cli.collections_cmd import REFUSED, USAGE, error
from studio.cli.leaderboard_cmd import add_board_options
from studio.cli.votes_cmd import add_filters
from studio.core.constants import REPORT_LAYOUTS, REPORT_THEMES

if TYPE_CHECKING:
    from studio.report.board_export import BoardSource
    from studio.report.export import ReportOptions, ReportSource, Shot
    from studio.report.run_report import PageKey
    from studio.store import Store

T = TypeVar("T")

# The options only a comparison or a batch takes: given with --leaderboard, they are a
# usage error (and --layout with --batch: a batch is a matrix).
_RUN_ONLY = (("blind", "--blind"), ("layout", "--layout"), ("network", "--network"))


def _batch_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a batch number (see `history "
                                         "batches`)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a batch number (they start at 1)")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write a saved comparison, a batch or the leaderboard as an HTML report, "
        "Markdown, a .zip or a PNG",
        description="Write a saved comparison (its prompts, every model's answer, figures, "
        "errors, ratings and pages), with --batch a batch's grid (a row per prompt and "
        "variable row, a column per model: pictures, figures, checks, totals), or with "
        "--leaderboard the arena's leaderboard, to FILE. The format follows the extension: "
        ".html, .md, .zip or .png.")
    p.add_argument("run", metavar="RUN_ID", nargs="?",
                   help="the run's number (see `history list`) or uuid")
    p.add_argument("--batch", metavar="BATCH_ID", type=_batch_id,
                   help="report a batch instead of a run (see `history batches`)")
    p.add_argument("--leaderboard", action="store_true",
                   help="report the leaderboard of your votes instead of a run (the filters "
                   "below choose the votes, as for `prompt-studio leaderboard`)")
    p.add_argument("-o", "--output", metavar="FILE", required=True,
                   help="where to write the report: .html, .md, .zip or .png")
    p.add_argument("--theme", choices=REPORT_THEMES, default="auto",
                   help="HTML and PNG: colours (default %(default)s: the reader's system "
                   "setting)")
    run = p.add_argument_group("a comparison or a batch")
    run.add_argument("--blind", action="store_true", default=None,
                     help="name the models A, B, C … in a shuffled order and hide their names,"
                     " settings and costs (an HTML report can reveal them with a button)")
    run.add_argument("--layout", choices=REPORT_LAYOUTS,
                     help="HTML: answers side by side or one under another (default columns;"
                     " the reader can switch)")
    run.add_argument("--network", choices=("on", "off"),
                     help="for screenshots taken now: on lets pages load public https "
                     "libraries; off (default) lets nothing leave the machine")
    board = p.add_argument_group("the leaderboard (with --leaderboard)")
    before = len(p._actions)
    add_filters(board, voter_default="you")
    add_board_options(board)
    # The options only a leaderboard takes, with their defaults: (dest, default, flag).
    only = tuple((a.dest, a.default, a.option_strings[-1]) for a in p._actions[before:])
    p.set_defaults(handler=handle, board_only=only)


def handle(args: argparse.Namespace) -> int:
    from studio.report.export import ReportError, report_format

    output = Path(args.output)
    try:
        report_format(output)
    except ReportError as exc:
        return error(str(exc), USAGE)
    if not output.parent.is_dir():
        return error(f"cannot write {output}: {output.parent} is not a folder", USAGE)
    given = [name for name, value in (("a RUN_ID", args.run is not None),
                                      ("--batch", args.batch is not None),
                                      ("--leaderboard", args.leaderboard)) if value]
    if len(given) > 1:
        return error(f"give either {given[0]} or {given[1]}, not both" if len(given) == 2
                     else "give one of a RUN_ID, --batch or --leaderboard", USAGE)
    if args.leaderboard:
        wrong = [flag for dest, flag in _RUN_ONLY if getattr(args, dest) is not None]
        if wrong:
            return error(f"{', '.join(wrong)}: only for a comparison or a batch, not "
                         "--leaderboard", USAGE)
        return _leaderboard(args, output)
    if not given:
        return error("which report? give a RUN_ID (see `history list`), --batch BATCH_ID or "
                     "--leaderboard", USAGE)
    wrong = [flag for dest, default, flag in args.board_only if getattr(args, dest) != default]
    if wrong:
        return error(f"{', '.join(wrong)}: only with --leaderboard", USAGE)
    if args.batch is not None:
        if args.layout is not None:
            return error("--layout: only for a comparison (a batch is a matrix)", USAGE)
        return _batch(args, output)
    return _run(args, output)


def _from_store(read: Callable[[Store], T]) -> T:
    """What `read` reads from the store, opened for it and closed after; StoreError passes."""
    from studio.core.paths import studio_paths
    from studio.store import Store

    store = Store.open(studio_paths().ensure())
    try:
        return read(store)
    finally:
        store.close()


def _run(args: argparse.Namespace, output: Path) -> int:
    from studio.report.export import ReportOptions, load_run
    from studio.store import StoreError

    try:
        source = _from_store(lambda store: load_run(store, args.run))
    except StoreError as exc:
        return error(str(exc), REFUSED)
    options = ReportOptions(blind=bool(args.blind), layout=args.layout or "columns",
                            theme=args.theme)
    return _write(source, output, options, network=args.network == "on")


def _batch(args: argparse.Namespace, output: Path) -> int:
    from studio.report.batch_export import BatchSource
    from studio.report.export import ReportError, ReportOptions
    from studio.store import StoreError

    try:
        source = _from_store(lambda store: BatchSource.load(store, args.batch))
    except (StoreError, ReportError) as exc:
        return error(str(exc), REFUSED)
    return _write(source, output, ReportOptions(blind=bool(args.blind), theme=args.theme),
                  network=args.network == "on")


def _leaderboard(args: argparse.Namespace, output: Path) -> int:
    from studio.cli import UsageError
    from studio.cli.leaderboard_cmd import board_query
    from studio.core.paths import studio_paths
    from studio.report.board_export import BoardSource, write_leaderboard_report
    from studio.report.export import ReportError, ReportFormat, ReportOptions, report_format
    from studio.report.scrub import Scrubber, known_keys
    from studio.store import StoreError

    def read(store: Store) -> BoardSource:
        try:
            query = board_query(store, args)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return BoardSource.load(store, query)

    try:
        source = _from_store(read)
    except (StoreError, ReportError) as exc:
        return error(str(exc), REFUSED)
    imaging = None
    if report_format(output) is not ReportFormat.HTML:
        # The picture of the table is painted with Qt, which needs no screen for that.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _application()
        from studio.ui.report.imaging import QtImaging

        imaging = QtImaging()
    try:
        result = write_leaderboard_report(
            source, output, imaging, options=ReportOptions(theme=args.theme),
            scrub=Scrubber(secrets=known_keys(studio_paths().providers_file)))
    except ReportError as exc:
        return error(str(exc), REFUSED)
    print(f"wrote {output} ({result.summary()})", file=sys.stderr)
    return 0


def _write(source: ReportSource, output: Path, options: ReportOptions, *,
           network: bool) -> int:
    from studio.cli.preview_cmd import display_problem
    from studio.core.paths import studio_paths
    from studio.report.export import ReportError
    from studio.report.scrub import Scrubber, known_keys

    missing = source.missing()
    problem = display_problem() if missing else None
    if problem is not None or not missing:
        # Pictures are scaled and painted with Qt, which needs no screen for that.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    taken, note = _take_screenshots(source, network, capture=bool(missing) and problem is None)
    from studio.ui.report.imaging import QtImaging

    try:
        result = source.write(
            output, QtImaging(), options=options, taken=taken, no_screenshot=note,
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


def _take_screenshots(source: ReportSource, network: bool, *,
                      capture: bool) -> tuple[dict[PageKey, Shot], str]:
    """Start the application the pictures need and, with a display, take the screenshots
    the history lacks. Returns them and the note for pages that still have none."""
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer

    if capture and QCoreApplication.instance() is None:
        from studio.ui.preview.scheme import register_preview_scheme

        register_preview_scheme()  # before the application, as the preview needs
    app = _application()
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


def _application() -> Any:
    """The QApplication pictures are painted in, with the studio's name and identity."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        from studio.app import configure_application

        created = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "prompt-studio"])
        configure_application(created)
        app = created
    return app
