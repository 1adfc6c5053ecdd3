"""Learning from use: a swappable model, and a conversation that can be corrected.

* :class:`ModelSlot` is the parser the pipeline holds. A new model is loaded beside the
  old one and swapped in with one reference assignment, so requests in flight finish on
  the model they started with and none is dropped or paused.
* :class:`LearningConversation` is a :class:`~thingmind.brain.Conversation` that
  remembers each speaker's last turn. "No, the porch light" or "that's not what I
  meant" undoes what the last turn did (through the device driver), carries out what
  was meant, and keeps the correction, redacted, in a
  :class:`~thingmind.brain.CorrectionLog`; the API marks a turn wrong with
  :meth:`LearningConversation.correct`.

Retraining on the corrections is ``thingmind.brain.RetrainScheduler``
(``_learning_retrain.py``); the records and undo are in ``_learning_log.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
import threading
import time
from typing import TYPE_CHECKING

from thingmind.brain._conversation import Conversation, Parser, TurnResult
from thingmind.brain._learning_log import (
    ARTICLES,
    PRONOUNS,
    CorrectionLog,
    CorrectionRecord,
    CorrectionSource,
    MeantCommand,
    Redactor,
    correction_cue,
    describe,
    inverse_calls,
    tags_of,
    utc_now,
)
from thingmind.core import IncompatibleModelError, ServiceError, StateValue
from thingmind.nlu import Clause, Intent, ParsedCommand, Slot, Span, words_of
from thingmind.registry import domain_spec
from thingmind.resolve import Context, Resolution, ResolvedAction

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from thingmind.brain._security import Security
    from thingmind.registry import DeviceDriver, Registry

_LOGGER = logging.getLogger(__name__)

# ============================================================================ model slot


class ModelSlot:
    """A parser that can be replaced while requests run; a :class:`Parser` itself."""

    def __init__(self, parser: Parser, *, path: Path | None = None) -> None:
        """Hold a first parser.

        Args:
            parser: The model in service.
            path: Its folder, when it was loaded from one.
        """
        self._parser = parser
        self._path = path
        self._load_lock = threading.Lock()
        self.swaps = 0
        """How many times the model was replaced."""

    @property
    def version(self) -> str:
        """The version label of the model in service."""
        return self._parser.version

    @property
    def path(self) -> Path | None:
        """The folder of the model in service, when known."""
        return self._path

    @property
    def parser(self) -> Parser:
        """The model in service."""
        return self._parser

    def parse(self, text: str) -> ParsedCommand:
        """Parse with the model in service at the moment the call starts."""
        parser = self._parser  # one read: a swap during the call does not affect it
        return parser.parse(text)

    def swap(self, parser: Parser, *, path: Path | None = None) -> Parser:
        """Put another model in service at once.

        Args:
            parser: The new model, already loaded (and warmed up).
            path: Its folder.

        Returns:
            The model it replaced (still usable by requests that hold it).
        """
        old = self._parser
        self._parser = parser  # atomic reference assignment
        self._path = path
        self.swaps += 1
        _LOGGER.info("model in service: %s (was %s)", parser.version, old.version)
        return old

    def load(self, path: Path) -> str:
        """Load a model folder beside the one in service, warm it up, then swap.

        Args:
            path: The model folder.

        Returns:
            The new model's version label.

        Raises:
            IncompatibleModelError: When the folder cannot be served; the model in
                service stays.
        """
        from thingmind.nlu import OnnxTagger  # noqa: PLC0415

        with self._load_lock:
            tagger = OnnxTagger(path)
            tagger.parse("turn on the light")  # first run allocates; not on a request
            self.swap(tagger, path=path)
            return tagger.version

    def refresh(self, path: Path | None) -> bool:
        """Serve ``path`` if it is not the folder in service already.

        Args:
            path: The folder that should be in service (None: leave it).

        Returns:
            True when the model was swapped.
        """
        if path is None or path == self._path:
            return False
        try:
            self.load(path)
        except IncompatibleModelError:
            _LOGGER.exception("kept %s: cannot serve %s", self.version, path)
            return False
        return True

    def follow(
        self,
        current: Callable[[], Path | None],
        *,
        every: float = 2.0,
        stop: threading.Event | None = None,
    ) -> threading.Thread:
        """Poll which folder should be in service, and swap when it changes.

        ``thingmind models deploy`` and ``rollback`` change the site's pointer file
        from another process; this is how the serving process notices.

        Args:
            current: Returns the folder in service (e.g. the registry's
                ``current_path(site)``, wired by the command line).
            every: Seconds between polls.
            stop: Set it to end the thread.

        Returns:
            The started daemon thread.
        """
        stop = stop or threading.Event()

        def _loop() -> None:
            while not stop.is_set():
                try:
                    self.refresh(current())
                except (OSError, ValueError):
                    _LOGGER.exception("could not read the model in service")
                stop.wait(every)

        thread = threading.Thread(target=_loop, name="model-follow", daemon=True)
        thread.start()
        return thread


@dataclass(slots=True)
class _Call:
    device_id: str
    service: str
    params: dict[str, StateValue]
    before: dict[str, StateValue]


class _JournalDriver:
    """Passes calls on; remembers each device's state before it, per thread and turn."""

    def __init__(self, driver: DeviceDriver, registry: Registry) -> None:
        self._driver = driver
        self._registry = registry
        self._local = threading.local()

    def start(self) -> None:
        self._local.calls = []

    def stop(self) -> list[_Call]:
        calls: list[_Call] = getattr(self._local, "calls", None) or []
        self._local.calls = None
        return calls

    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        calls: list[_Call] | None = getattr(self._local, "calls", None)
        if calls is not None:
            try:
                before = dict(self._registry.state(device_id))
            except KeyError:
                before = {}
            calls.append(_Call(device_id, service, dict(params), before))
        return self._driver.call(device_id, service, params)


class _ForcedParser:
    """The slot, except when a turn carries out a parse built here (thread-local)."""

    def __init__(self, slot: Parser) -> None:
        self._slot = slot
        self._local = threading.local()

    @property
    def version(self) -> str:
        return self._slot.version

    def force(self, parsed: ParsedCommand | None) -> None:
        self._local.parsed = parsed

    def parse(self, text: str) -> ParsedCommand:
        forced: ParsedCommand | None = getattr(self._local, "parsed", None)
        if forced is not None:
            return forced
        return self._slot.parse(text)


@dataclass(slots=True)
class _Turn:
    text: str
    parsed: ParsedCommand
    calls: list[tuple[int, _Call]]
    context: Context | None
    at: float
    model_version: str
    pending: bool = False
    """A correction without content waits for the next command to say what was meant."""
    undone: tuple[str, ...] = ()


class LearningConversation:
    """A conversation that can be corrected, and keeps every correction."""

    def __init__(
        self,
        *,
        parser: Parser,
        registry: Registry,
        driver: DeviceDriver,
        site: str,
        log: CorrectionLog | None = None,
        redactor: Redactor | None = None,
        window_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        security: Security | None = None,
    ) -> None:
        """Wire the pipeline.

        Args:
            parser: The model (a :class:`ModelSlot`, so it can be swapped).
            registry: The site and its live state.
            driver: The device layer.
            site: The site's name, kept with each correction.
            log: Where corrections go (None: not kept).
            redactor: Takes personal data out (default: one that keeps site names).
            window_s: How long after a turn a correction still applies to it.
            clock: Monotonic seconds (tests pass a fake one).
            security: The gate, confirmations and audit trail every turn passes,
                the undo of a correction included (None: everything is allowed).
        """
        self._parser = parser
        self._forced = _ForcedParser(parser)
        self._journal = _JournalDriver(driver, registry)
        self._registry = registry
        self._security = security
        self.conversation = Conversation(
            parser=self._forced,
            registry=registry,
            driver=self._journal,
            security=security,
        )
        self.site = site
        self.log = log
        self.redactor = redactor or Redactor.for_site(registry.home)
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, _Turn] = {}
        self.last_correction: CorrectionRecord | None = None
        """The most recent correction (also in the log)."""

    @property
    def registry(self) -> Registry:
        """The site."""
        return self._registry

    # ------------------------------------------------------------------ turns

    def handle(self, text: str, *, context: Context | None = None) -> TurnResult:
        """Understand and carry out one sentence, or a correction of the last one.

        Args:
            text: What the person said.
            context: Who speaks, from where.

        Returns:
            What was understood, done and answered.
        """
        who = context.user if context is not None else "owner"
        last = self._recent(who)
        if last is not None and not self._answers_confirmation(who, text):
            rest = correction_cue(text)
            if rest is not None:
                return self._spoken_correction(text, rest, last, context)
        result, calls = self._run(text, context=context, forced=None)
        if last is not None and last.pending and result.resolution.actions:
            self._complete_pending(last, result)
        self._remember(who, text, result, calls, context)
        return result

    def correct(
        self,
        meant: MeantCommand | None = None,
        *,
        context: Context | None = None,
        source: CorrectionSource = CorrectionSource.API,
    ) -> TurnResult | None:
        """Mark the speaker's last turn wrong: undo it, do what was meant, keep it.

        Args:
            meant: What was meant (None or empty: only undo and keep the mistake;
                the next command completes it).
            context: Whose last turn (``context.user``).
            source: How the correction came.

        Returns:
            The corrective turn, or None when there is no recent turn to correct.
        """
        who = context.user if context is not None else "owner"
        last = self._recent(who)
        if last is None:
            return None
        return self._apply(last, meant or MeantCommand(), context, source, text="")

    def _answers_confirmation(self, who: str, text: str) -> bool:
        """True when the sentence answers the speaker's pending confirmation.

        "No" then cancels the held action; it is not a correction of the turn that
        asked for it.
        """
        from thingmind.brain._security import Reply, classify_reply  # noqa: PLC0415

        desk = self.conversation.desk
        if desk is not None and desk.pending(who) is not None:
            return classify_reply(text) in {Reply.YES, Reply.NO}
        security = self._security
        if security is None or security.confirmations.pending(who) is None:
            return False
        return classify_reply(text) is not Reply.OTHER

    def _recent(self, who: str) -> _Turn | None:
        with self._lock:
            last = self._last.get(who)
        if last is None or self._clock() - last.at > self.window_s:
            return None
        return last

    def _run(
        self, text: str, *, context: Context | None, forced: ParsedCommand | None
    ) -> tuple[TurnResult, list[tuple[int, _Call]]]:
        self._journal.start()
        self._forced.force(forced)
        try:
            result = self.conversation.handle(text, context=context)
        finally:
            self._forced.force(None)
            raw = self._journal.stop()
        actions = () if result.clarify else result.resolution.actions
        clauses = [a.clause for a in actions]
        calls = [(clauses[i] if i < len(clauses) else 0, c) for i, c in enumerate(raw)]
        return result, calls

    def _remember(
        self,
        who: str,
        text: str,
        result: TurnResult,
        calls: list[tuple[int, _Call]],
        context: Context | None,
        *,
        pending: bool = False,
        undone: tuple[str, ...] = (),
    ) -> None:
        with self._lock:
            self._last[who] = _Turn(
                text=text,
                parsed=result.parsed,
                calls=calls,
                context=context,
                at=self._clock(),
                model_version=result.parsed.model_version or self._parser.version,
                pending=pending,
                undone=undone,
            )

    # ------------------------------------------------------------ corrections

    def _spoken_correction(
        self, text: str, rest: str, last: _Turn, context: Context | None
    ) -> TurnResult:
        meant = self._meant_from(rest, last)
        return self._apply(last, meant, context, CorrectionSource.SPOKEN, text=text)

    def _meant_from(self, rest: str, last: _Turn) -> MeantCommand:
        if not rest:
            return MeantCommand()
        k = self._clause_of(last)
        parsed = self._parser.parse(rest)
        intent: Intent | None = None
        target = ""
        if parsed.clauses:
            c = parsed.clauses[0]
            intent = c.intent
            spans = c.slots(Slot.TARGET)
            if spans and spans[0].text.lower() not in PRONOUNS:
                target = spans[0].text
        else:
            phrase = rest.lower()
            for art in ARTICLES:
                phrase = phrase.removeprefix(art)
            if phrase and phrase not in PRONOUNS:
                target = phrase
        if last.parsed.clauses and intent is not None and not target:
            old = last.parsed.clauses[min(k, len(last.parsed.clauses) - 1)]
            if old.intent is intent:
                intent = None  # "no, turn it on" after a turn_on: nothing new said
        return MeantCommand(intent=intent, target=target, clause=k)

    @staticmethod
    def _clause_of(last: _Turn) -> int:
        return last.calls[0][0] if last.calls else 0

    def _undo_allowed(
        self,
        last: _Turn,
        device_id: str,
        steps: list[tuple[str, dict[str, StateValue]]],
    ) -> bool:
        """True when the gate lets the speaker undo this way, with no confirmation.

        An undo is an action like any other: undoing "lock the door" is an unlock,
        which is never done without the confirmation the gate asks for.
        """
        security = self._security
        if security is None:
            return True
        ctx = last.context or Context()
        for service, params in steps:
            decision = security.gate.check(
                ctx.user,
                ResolvedAction(device_id=device_id, service=service, params=params),
                source=ctx.source,
                now=security.now(),
            )
            if not decision.allowed:
                _LOGGER.info(
                    "undo of %s not done: %s", device_id, decision.verdict.value
                )
                return False
        return True

    def _undo(self, last: _Turn, clause: int) -> tuple[str, ...]:
        """Undo a turn's calls of one clause, newest first; return the devices undone."""
        firsts: dict[str, _Call] = {}
        for k, call in last.calls:
            if k == clause and call.device_id not in firsts:
                firsts[call.device_id] = call
        undone: list[str] = []
        for device_id, call in reversed(list(firsts.items())):
            try:
                spec = domain_spec(self._registry.home.device(device_id).type)
                now = dict(self._registry.state(device_id))
            except KeyError:
                continue
            steps = inverse_calls(spec, call.before, now)
            if steps is None:
                _LOGGER.warning("cannot undo %s: no service restores it", device_id)
                continue
            if not self._undo_allowed(last, device_id, steps):
                continue
            try:
                for service, params in steps:
                    self._journal.call(device_id, service, params)
            except ServiceError as err:
                _LOGGER.warning("undo of %s refused: %s", device_id, err)
                continue
            if steps:
                undone.append(device_id)
        return tuple(undone)

    def _apply(
        self,
        last: _Turn,
        meant: MeantCommand,
        context: Context | None,
        source: CorrectionSource,
        *,
        text: str,
    ) -> TurnResult:
        t0 = time.perf_counter()
        k = meant.clause if meant.known else self._clause_of(last)
        touched = {c.device_id for _, c in last.calls}
        before = {d: dict(self._registry.state(d)) for d in touched}
        undone = self._undo(last, k)
        redo = self._redo_parse(last, meant, k)
        calls: list[tuple[int, _Call]] = []
        if redo is not None:
            result, calls = self._run(
                redo.text, context=last.context or context, forced=redo
            )
            device_ids = tuple(dict.fromkeys(c.device_id for _, c in calls))
            meant = MeantCommand(
                intent=meant.intent,
                target=meant.target,
                device_ids=meant.device_ids or device_ids,
                clause=k,
            )
            answer = f"Sorry about that. {result.answer}".strip()
        else:
            result = None
            answer = (
                "Sorry, I've undone that. What did you mean?"
                if undone
                else "Sorry. What did you mean?"
            )
        for _, c in calls:
            before.setdefault(c.device_id, c.before)
        changes: dict[str, dict[str, StateValue]] = {}
        for device_id, old in before.items():
            new = self._registry.state(device_id)
            diff = {key: v for key, v in new.items() if old.get(key) != v}
            if diff:
                changes[device_id] = diff
        self._record(last, meant, source, undone)
        who = context or last.context
        user = who.user if who is not None else "owner"
        if result is not None:
            # A further correction applies to the original sentence and its parse;
            # what it undoes is what this turn did, in the same clause.
            with self._lock:
                self._last[user] = _Turn(
                    text=last.text,
                    parsed=last.parsed,
                    calls=[(k, c) for _, c in calls],
                    context=last.context,
                    at=self._clock(),
                    model_version=last.model_version,
                    undone=undone,
                )
        else:
            self._remember_pending(user, last, undone)
        _LOGGER.info("correction (%s) of %r: %s", source, last.text, meant)
        parsed = result.parsed if result is not None else last.parsed
        return TurnResult(
            text=text or last.text,
            parsed=parsed,
            resolution=result.resolution if result is not None else Resolution(),
            changes=changes,
            answer=answer,
            refused=result.refused if result is not None else False,
            clarify=result is None or result.clarify,
            latency_ms=(time.perf_counter() - t0) * 1000,
        )

    def _remember_pending(
        self, user: str, last: _Turn, undone: tuple[str, ...]
    ) -> None:
        with self._lock:
            self._last[user] = _Turn(
                text=last.text,
                parsed=last.parsed,
                calls=[],
                context=last.context,
                at=self._clock(),
                model_version=last.model_version,
                pending=True,
                undone=undone,
            )

    def _complete_pending(self, last: _Turn, result: TurnResult) -> None:
        """The command after "that's not what I meant" says what was meant."""
        clause = result.parsed.clauses[0] if result.parsed.clauses else None
        if clause is None:
            return
        targets = clause.slots(Slot.TARGET)
        meant = MeantCommand(
            intent=clause.intent,
            target=targets[0].text if targets else "",
            device_ids=tuple(
                dict.fromkeys(
                    a.device_id for a in result.resolution.actions if a.clause == 0
                )
            ),
            clause=0,
        )
        self._record(last, meant, CorrectionSource.SPOKEN, last.undone)

    def _redo_parse(
        self, last: _Turn, meant: MeantCommand, k: int
    ) -> ParsedCommand | None:
        """The understood clause with the meant intent and target put in."""
        if not meant.known:
            return None
        target = meant.target
        if not target and meant.device_ids:
            try:
                target = self._registry.home.device(meant.device_ids[0]).name
            except KeyError:
                target = ""
        if last.parsed.clauses:
            old = last.parsed.clauses[min(k, len(last.parsed.clauses) - 1)]
            intent = meant.intent or old.intent
            words = list(last.parsed.words[old.start : old.end])
            spans = [
                Span(
                    slot=s.slot,
                    text=s.text,
                    start=s.start - old.start,
                    end=s.end - old.start,
                )
                for s in old.spans
            ]
        elif meant.intent is not None:
            intent = meant.intent
            words = []
            spans = []
        else:
            return None
        if target:
            new_words = [w for w, _, _ in words_of(target)]
            old_targets = [s for s in spans if s.slot is Slot.TARGET]
            if old_targets:
                a, b = old_targets[0].start, old_targets[0].end
            else:
                a = b = len(words)
            shift = len(new_words) - (b - a)
            words = [*words[:a], *new_words, *words[b:]]
            kept: list[Span] = []
            for s in spans:
                if s.slot is Slot.TARGET or (s.start < b and a < s.end):
                    continue
                moved = shift if s.start >= b else 0
                kept.append(
                    Span(
                        slot=s.slot,
                        text=s.text,
                        start=s.start + moved,
                        end=s.end + moved,
                    )
                )
            kept.append(
                Span(
                    slot=Slot.TARGET,
                    text=" ".join(new_words),
                    start=a,
                    end=a + len(new_words),
                )
            )
            spans = sorted(kept, key=lambda s: s.start)
        if not words:
            return None
        clause = Clause(intent=intent, spans=tuple(spans), start=0, end=len(words))
        return ParsedCommand(
            text=" ".join(words),
            words=tuple(words),
            clauses=(clause,),
            confidence=1.0,
            model_version="correction",
        )

    def _record(
        self,
        last: _Turn,
        meant: MeantCommand,
        source: CorrectionSource,
        undone: tuple[str, ...],
    ) -> CorrectionRecord:
        clause, slot = tags_of(last.parsed)
        words, ctags, stags = self.redactor.redact_tagged(
            last.parsed.text, clause, slot
        )
        if len(words) != len(ctags):  # a parse not from words_of (a fallback)
            words = list(last.parsed.words)
            ctags, stags = clause, slot
        record = CorrectionRecord(
            site=self.site,
            time=utc_now(),
            source=source,
            sentence=self.redactor.redact(last.text),
            words=tuple(words),
            clause_tags=tuple(ctags),
            slot_tags=tuple(stags),
            understood=describe(last.parsed),
            meant=MeantCommand(
                intent=meant.intent,
                target=self.redactor.redact(meant.target),
                device_ids=meant.device_ids,
                clause=meant.clause,
            ),
            model_version=last.model_version,
            undone=undone,
            user=last.context.user if last.context is not None else "owner",
        )
        if self.log is not None:
            self.log.append(record)
        self.last_correction = record
        return record
