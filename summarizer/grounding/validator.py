"""The grounding validator: every output value checked against its evidence in the source.

Parsing already guarantees that each span is the article's own text. This stage checks what a
span alone cannot show, that each value is *supported* by it (`support`), and that nothing
rests on text that addresses the reader. `ground` runs in three steps:

1. `check_events` reads a record and returns a new one: what the text settles is repaired (a
   qualifier, an outcome or an ISO date that disagrees with the evidence is corrected, a
   claimant the reporting frame names is filled in), what fails is taken out and becomes a
   `Problem`;
2. problems that a better answer could fix go back to the model (`reask`), only those fields,
   under a budget of rounds and tokens; each answer is a candidate placed in a copy of the
   record, never installed by a closure;
3. `check_events` runs once more on the record as it will be output, after every correction,
   so a value a re-ask proposed passes the very same checks as any other.

Whatever fails is listed in ``rejected`` with its code and reason: nothing is dropped silently.
"""

from __future__ import annotations

from summarizer.core.types import CLAIMANT, CreditSlot, Problem, Refusal, SummarySlot
from summarizer.grounding.reask import Corrector, ReaskBudget, reask
from summarizer.grounding.support import (
    Claim,
    claim_source,
    claimant_refusal,
    count_refusal,
    credit_region,
    date_iso,
    date_refusal,
    find_claim,
    injected,
    name_refusal,
    quote_refusal,
    speaker_refusal,
    summary_refusal,
    victims_refusal,
)
from summarizer.records.contract import (
    Actor,
    Casualty,
    Event,
    EventDate,
    Evidence,
    Grounding,
    Location,
    Quote,
    Rejection,
    iter_values,
)
from summarizer.text.document import Document
from summarizer.text.figures import outcome_near

_RANK = {"exact": 0, "normalized": 1, "fuzzy": 2}

__all__ = ["Corrector", "ReaskBudget", "check_events", "ground", "tally"]


def ground(
    doc: Document,
    events: list[Event],
    problems: list[Problem],
    *,
    corrector: Corrector | None = None,
    budget: ReaskBudget | None = None,
) -> tuple[list[Event], list[Rejection], Grounding]:
    """The events with only supported values, every refusal, and the tallies."""
    checked, found = check_events(doc, events)
    proposed, unresolved = reask(doc, checked, [*problems, *found], corrector, budget or ReaskBudget())
    final, late = check_events(doc, proposed)
    rejected = [rejection(p) for p in [*unresolved, *late]]
    return final, rejected, tally(final, rejected)


def rejection(problem: Problem) -> Rejection:
    return Rejection(path=problem.path, code=problem.code, value=problem.value, reason=problem.reason)


def check_events(doc: Document, events: list[Event]) -> tuple[list[Event], list[Problem]]:
    """A checked copy of the events (the given ones are left as they are), and what failed."""
    problems: list[Problem] = []
    kept: list[Event] = []
    for i, event in enumerate(events):
        checker = _EventChecker(doc, event.model_copy(deep=True), f"events[{i}]", problems)
        if checker.check(main=i == 0):
            kept.append(checker.event)
    return kept, problems


def tally(events: list[Event], rejected: list[Rejection]) -> Grounding:
    """Values checked and kept, by their weakest evidence match, plus the rejected ones."""
    grounding = Grounding(rejected=len(rejected), checked=len(rejected))
    for _, evidence in iter_values(events):
        grounding.checked += 1
        weakest = max((_RANK[e.match] for e in evidence), default=0)
        if weakest == 0:
            grounding.exact += 1
        elif weakest == 1:
            grounding.normalized += 1
        else:
            grounding.fuzzy += 1
    return grounding


def extractive_summary(doc: Document, evidence: list[Evidence]) -> str:
    """The first cited reporting sentence (or the article's first), which supports itself."""
    sentences = [s for s in doc.trusted if any(e.start <= s.start < e.end for e in evidence)]
    chosen = (sentences or doc.trusted or doc.sentences)[0]
    return " ".join(chosen.text.split())


class _EventChecker:
    """Checks one event in place; the event is the validator's own copy."""

    def __init__(self, doc: Document, event: Event, path: str, problems: list[Problem]) -> None:
        self.doc = doc
        self.text = doc.text
        self.event = event
        self.path = path
        self.problems = problems

    def check(self, *, main: bool) -> bool:
        """False when the whole event rests on text that addresses the reader."""
        if not self._summary_evidence(main):
            return False
        self._summary()
        self._date()
        self.event.locations = [x for i, x in enumerate(self.event.locations) if self._place(x, i)]
        self.event.actors = [x for i, x in enumerate(self.event.actors) if self._actor(x, i)]
        self.event.casualties = [
            c for i, c in enumerate(self.event.casualties) if self._casualty(c, f"casualties[{i}]")
        ]
        self.event.quotes = [q for i, q in enumerate(self.event.quotes) if self._quote(q, f"quotes[{i}]")]
        return True

    def _refuse(self, where: str, value: object, refusal: Refusal) -> None:
        self.problems.append(Problem.of(f"{self.path}.{where}", where, value, refusal))

    def _summary_evidence(self, main: bool) -> bool:
        """Cited sentences that address the reader are dropped; an event that cites nothing
        else stands only if it is the main one, on the article's first reporting sentence."""
        summary = self.event.summary
        kept = [e for e in summary.evidence if self.doc.is_trusted(e.start, e.end)]
        if len(kept) == len(summary.evidence):
            return True
        refusal = injected(self.doc, summary.evidence, "summary's evidence")
        assert refusal is not None
        if not kept and not main:
            self._refuse("", _dump(self.event), refusal)
            return False
        self._refuse("summary.evidence", [e.text for e in summary.evidence if e not in kept], refusal)
        if not kept and self.doc.trusted:
            first = self.doc.trusted[0]
            kept = [Evidence(start=first.start, end=first.end, text=first.text, match="exact")]
        summary.evidence = kept
        return True

    def _summary(self) -> None:
        summary = self.event.summary
        refusal = summary_refusal(self.doc, summary.text)
        if refusal is None:
            return
        proposed = summary.text
        summary.text = extractive_summary(self.doc, summary.evidence)
        reason = f"{refusal.reason}; the summary is the article's own sentence instead"
        label = "the one-sentence summary of this event"
        slot = SummarySlot(self._index)
        self.problems.append(
            Problem(f"{self.path}.summary", label, proposed, refusal.code, reason, slot=slot)
        )

    def _date(self) -> None:
        date = self.event.date
        refusal = date_refusal(self.text, date) or (
            injected(self.doc, date.evidence, "date") if date.text is not None else None
        )
        if refusal is not None:
            self._refuse("date", date.model_dump(mode="json"), refusal)
            self.event.date = EventDate()
            return
        expected = date_iso(date, self.doc.article.published)
        if date.iso != expected:
            published = self.doc.article.published
            reason = (
                f"iso {date.iso!r} does not follow from {date.text!r} published {published}; "
                f"corrected to {expected!r}"
            )
            self._refuse("date.iso", date.iso, Refusal("corrected", reason))
            date.iso = expected

    def _place(self, location: Location, i: int) -> bool:
        return self._name(location.name, location.evidence, f"locations[{i}]", "location", location)

    def _actor(self, actor: Actor, i: int) -> bool:
        return self._name(actor.name, actor.evidence, f"actors[{i}]", "actor", actor)

    def _name(self, name: str, evidence: list[Evidence], where: str, what: str, value: object) -> bool:
        refusal = name_refusal(self.text, name, evidence, what) or injected(self.doc, evidence, what)
        if refusal is not None:
            self._refuse(where, _dump(value), refusal)
        return refusal is None

    def _casualty(self, casualty: Casualty, where: str) -> bool:
        refusal = injected(self.doc, casualty.evidence[:1], "casualty figure")
        found = find_claim(self.doc, casualty) if refusal is None else None
        if found is None:
            self._refuse(where, _dump(casualty), refusal or count_refusal(casualty))
            return False
        if not isinstance(found, Claim):
            written = self.text[found.start : found.end]
            reason = (
                f"qualifier {casualty.qualifier!r} but the evidence says {written!r}; "
                f"corrected to {found.qualifier!r}"
            )
            self._refuse(f"{where}.qualifier", casualty.qualifier, Refusal("corrected", reason))
            casualty.qualifier = found.qualifier
            found = find_claim(self.doc, casualty)
            assert isinstance(found, Claim)
        unharmed = self._outcome(casualty, found, where)
        if unharmed is not None:
            self._refuse(where, _dump(casualty), unharmed)
            return False
        self._claimant(casualty, found, where)
        victims = victims_refusal(self.text, casualty)
        if victims is not None:
            self._refuse(f"{where}.victims", casualty.victims, victims)
            casualty.victims = None
        return True

    def _outcome(self, casualty: Casualty, claim: Claim, where: str) -> Refusal | None:
        """The outcome the words of the figure's clause state wins over the one proposed; the
        refusal of the casualty when those words say no one was harmed, or say nothing."""
        q, s = claim.quantity, claim.sentence
        figure = self.text[q.start : q.end]
        stated = outcome_near(self.text, q, s.start, s.end)
        if stated == "unharmed":
            return Refusal(
                "not_harmed", f"the text next to {figure!r} says they were freed or escaped, not harmed"
            )
        if stated is None:
            reason = f"no word in the clause of {figure!r} says anyone was killed, hurt, taken or displaced"
            return Refusal("not_harmed", reason)
        if stated != casualty.outcome:
            reason = (
                f"outcome {casualty.outcome!r} but the text next to {figure!r} says {stated!r}; corrected"
            )
            self._refuse(f"{where}.outcome", casualty.outcome, Refusal("corrected", reason))
            casualty.outcome = stated
        return None

    def _claimant(self, casualty: Casualty, claim: Claim, where: str) -> None:
        """The claimant must be who the frame credits, or be named near the figure, in reporting
        text; its extra evidence (where it is named) must be reporting too."""
        refusal = injected(self.doc, casualty.evidence[1:], "claimant")
        if casualty.claimant is not None and refusal is None:
            refusal = claimant_refusal(self.doc, claim, casualty.claimant)
        if refusal is not None:
            proposed, casualty.claimant = casualty.claimant, None
            casualty.evidence = casualty.evidence[:1]
            region = credit_region(self.doc, claim.sentence, CLAIMANT)
            # the frame decides (the text fills it in), or the name is in the text but not as a source
            fixable = refusal.code not in ("misattributed", "not_a_source")
            slot = CreditSlot(CLAIMANT, self._index, claim.span, region) if fixable else None
            label = "who gives this casualty figure"
            path = f"{self.path}.{where}.claimant"
            self.problems.append(Problem.of(path, label, proposed, refusal, slot=slot))
        if casualty.claimant is None:
            source = claim_source(self.doc, claim)
            if source is not None:  # the reporting frame names who says it: fill it in
                casualty.claimant = source.text
                self._add_evidence(casualty.evidence, source.start, source.end)

    def _quote(self, quote: Quote, where: str) -> bool:
        refusal = quote_refusal(self.text, quote) or injected(self.doc, quote.evidence[:1], "quote")
        if refusal is not None:
            self._refuse(where, _dump(quote), refusal)
            return False
        refusal = injected(self.doc, quote.evidence[1:], "speaker") if quote.speaker else None
        refusal = refusal or speaker_refusal(self.doc, quote)
        if refusal is not None:
            self._refuse(f"{where}.speaker", quote.speaker, refusal)
            quote.speaker = None
            quote.evidence = quote.evidence[:1]
        return True

    @property
    def _index(self) -> int:
        return int(self.path.removeprefix("events[").rstrip("]"))

    def _add_evidence(self, evidence: list[Evidence], start: int, end: int) -> None:
        if not any(e.start <= start and end <= e.end for e in evidence):
            evidence.append(Evidence(start=start, end=end, text=self.text[start:end], match="exact"))


def _dump(value: object) -> object:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value
