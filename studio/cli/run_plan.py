"""What one `prompt-studio run` asks for: prompts, models, threads, and where runs are saved."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace

from studio.cli.common import load_attachments, read_text_input, registry
from studio.core.attachments import Attachment
from studio.core.catalog import CatalogError, parse_model_ref
from studio.core.conversation import Exchange, thread_from_exchanges
from studio.core.request import ChatRequest, GenerationSettings, Message
from studio.core.runner import ModelRun, ModelTarget
from studio.core.validation import InputError, check_model_id, check_prompt
from studio.core.variables import fill_variables, find_variables
from studio.store import CollectionId, PromptId, ResponseData, RunId, Store, StoreError, TurnId
from studio.store.threads import entry_of


class PlanError(Exception):
    """A usage problem found while planning; exit code 2."""


@dataclass
class PlannedRun:
    """One comparison: a prompt sent to several models (or a follow-up turn of a saved run)."""

    title: str
    template: str  # as written, with {{variables}}
    prompt: str  # as sent
    system: str | None
    variables: dict[str, str]
    targets: list[ModelTarget]
    requests: list[ChatRequest]
    slots: list[int]  # slot in the saved run of each target
    collection_id: CollectionId | None = None
    prompt_id: PromptId | None = None
    continue_run: RunId | None = None
    saved_run: RunId | None = None
    turn_id: TurnId | None = None
    runs: list[ModelRun] = field(default_factory=list)
    attachments: tuple[Attachment, ...] = ()  # the files sent with this turn's prompt


def parse_vars(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise PlanError(f"--var expects KEY=VALUE, got {pair!r}")
        values[name.strip()] = value
    return values


def read_prompt(args: argparse.Namespace) -> str | None:
    if args.prompt_text is not None:
        return str(args.prompt_text)
    if args.file is None:
        return None
    try:
        return read_text_input(args.file)
    except ValueError as exc:
        raise PlanError(str(exc)) from None


def settings_from(args: argparse.Namespace) -> GenerationSettings:
    if args.temperature is not None and not 0 <= args.temperature <= 2:
        raise PlanError("--temperature must be between 0 and 2")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise PlanError("--max-tokens must be a positive number")
    return GenerationSettings(temperature=args.temperature, max_tokens=args.max_tokens,
                              reasoning=args.reasoning, seed=args.seed)


def resolve_targets(models: list[str], settings: GenerationSettings) -> list[ModelTarget]:
    reg = registry()
    targets = []
    for text in models:
        try:
            ref = parse_model_ref(text)
            check_model_id(ref.model)
            targets.append(ModelTarget(ref, reg.get(ref.provider), settings))
        except (CatalogError, InputError) as exc:
            raise PlanError(str(exc)) from None
    return targets


def _checked(text: str, what: str = "prompt", allow_empty: bool = False) -> str:
    try:
        check_prompt(text, what=what, allow_empty=allow_empty)
    except InputError as exc:
        raise PlanError(str(exc)) from None
    return text


def _filled(template: str, defaults: dict[str, str], given: dict[str, str]) -> str:
    values = {**defaults, **given}
    missing = [n for n in find_variables(template) if n not in values]
    if missing:
        names = ", ".join(missing)
        raise PlanError(f"the prompt uses {{{{{missing[0]}}}}} but no value was given "
                        f"(variables without a value: {names}; pass --var NAME=VALUE)")
    return fill_variables(template, values)


def plan_runs(args: argparse.Namespace, store: Store | None) -> list[PlannedRun]:
    plans = _plan_runs(args, store)
    if getattr(args, "send_images_anyway", False):
        for plan in plans:
            plan.requests = [replace(r, images_anyway=True) for r in plan.requests]
    return plans


def _plan_runs(args: argparse.Namespace, store: Store | None) -> list[PlannedRun]:
    settings = settings_from(args)
    given = parse_vars(args.var)
    text = read_prompt(args)
    if args.system is not None:
        _checked(args.system, "system prompt", allow_empty=True)
    try:
        files = load_attachments(getattr(args, "attach", None))
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    if args.continue_run is not None:
        if store is None:
            raise PlanError("--continue needs the history store (drop --no-save)")
        if text is None:
            raise PlanError("give the follow-up prompt with -p TEXT or -f FILE")
        return [_plan_follow_up(store, args.continue_run, _checked(text), args.model, settings,
                                files)]
    if not args.model:
        raise PlanError("name at least one model with -m PROVIDER:MODEL")
    targets = resolve_targets(args.model, settings)
    if args.prompt_title is not None:
        raise PlanError("--prompt TITLE picks a prompt of a --collection")
    if text is None:
        raise PlanError("give the prompt with -p TEXT or -f FILE")
    # Checked again once filled: a variable can empty a prompt or bring a NUL into it.
    prompt = _checked(_filled(_checked(text), {}, given))
    return [_single(text, prompt, args.system, given, targets, files=files)]


def _single(template: str, prompt: str, system: str | None, variables: dict[str, str],
            targets: list[ModelTarget], title: str = "",
            files: tuple[Attachment, ...] = ()) -> PlannedRun:
    requests = [ChatRequest(t.ref.model, (Message("user", prompt, files),), system, t.settings)
                for t in targets]
    first_line = title or next(iter(template.strip().splitlines()), "")[:80]
    return PlannedRun(first_line, template, prompt, system, variables, targets, requests,
                      list(range(len(targets))), attachments=files)


def _plan_follow_up(store: Store, ref: str, prompt: str, only: list[str],
                    settings: GenerationSettings, files: tuple[Attachment, ...]) -> PlannedRun:
    try:
        run = store.run(store.resolve_run(ref))
        # every earlier prompt's files go along again: each model still sees them
        earlier = {(t.id, slot): store.attachments(t.files_for(slot))
                   for t in run.branch() for slot in range(len(run.models))
                   if t.files_for(slot)}
    except StoreError as exc:
        raise PlanError(str(exc)) from None
    reg = registry()
    wanted = {str(parse_model_ref(m)) for m in only} if only else None
    targets, requests, slots = [], [], []
    for slot, entry in enumerate(run.models):
        if wanted is not None and str(entry.ref) not in wanted:
            continue
        try:
            config = reg.get(entry.ref.provider)
        except CatalogError as exc:
            raise PlanError(str(exc)) from None
        target = ModelTarget(entry.ref, config, _merge(entry.settings, settings))
        exchanges: list[Exchange] = []
        for turn in run.branch():
            response = turn.current(slot)
            exchanges.append((turn.prompt, earlier.get((turn.id, slot), ()),
                              response.text if response is not None else None))
        messages = thread_from_exchanges(exchanges, prompt, files)
        targets.append(target)
        requests.append(ChatRequest(entry.ref.model, messages, run.system, target.settings))
        slots.append(slot)
    if not targets:
        raise PlanError(f"none of the models given with -m were in run {ref}")
    plan = PlannedRun(run.title, prompt, prompt, run.system, dict(run.variables), targets,
                      requests, slots, run.collection_id, run.prompt_id, continue_run=run.id,
                      attachments=files)
    plan.saved_run = run.id
    return plan


def _merge(saved: GenerationSettings, given: GenerationSettings) -> GenerationSettings:
    data = saved.to_dict()
    data.update(given.to_dict())
    return GenerationSettings.from_dict(data)


class HistoryRecorder:
    """Saves each model's answer the moment it finishes, so nothing waits for the slowest."""

    def __init__(self, store: Store | None, plan: PlannedRun) -> None:
        self._store = store
        self._plan = plan
        self.warning: str | None = None

    def begin(self) -> None:
        store, plan = self._store, self._plan
        if store is None:
            return
        try:
            if plan.continue_run is not None:
                plan.turn_id = store.add_turn(plan.continue_run, plan.prompt, slots=plan.slots,
                                              attachments=plan.attachments)
                return
            entries = [entry_of(t) for t in plan.targets]
            plan.saved_run = store.start_run(
                body=plan.template, models=entries, title=plan.title, system=plan.system,
                variables=plan.variables, collection_id=plan.collection_id,
                prompt_id=plan.prompt_id, first_turn=plan.prompt,
                attachments=plan.attachments)
            plan.turn_id = store.run(plan.saved_run).turns[0].id
        except StoreError as exc:
            self._fail(exc)

    def on_delta(self, run: ModelRun, event: object) -> None:
        pass

    def on_state(self, run: ModelRun) -> None:
        if self._store is None or self._plan.turn_id is None or not run.state.finished:
            return
        try:
            self._store.save_response(self._plan.turn_id, self._plan.slots[run.index],
                                      ResponseData.from_model_run(run))
        except StoreError as exc:
            self._fail(exc)

    def _fail(self, exc: StoreError) -> None:
        # The answers still reach the user; only keeping them failed.
        self.warning = f"the run was not saved to history: {exc}"
        self._store = None
