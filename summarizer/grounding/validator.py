"""The grounding validator: every output value checked against its evidence in the source.

Parsing already guarantees that each span is the article's own text. This stage checks what a
span alone cannot show, that each value is *supported* by it (`support`). Then:

* what the text itself settles is repaired: a qualifier or an ISO date that disagrees with the
  evidence is corrected, a claimant the reporting frame names is filled in;
* what fails is taken out of the record and becomes a `Problem`;
* problems that a better answer could fix go back to the model once more, only those fields,
  with what was not found and the nearest text (`Corrector`), under a budget of rounds and
  tokens;
* whatever still fails is listed in ``rejected`` with its reason: nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from summarizer.core.types import Problem
from summarizer.grounding.support import (
    Claim,
    claim_source,
    claimant_reason,
    count_reason,
    date_iso,
    date_reason,
    find_claim,
    name_reason,
    quote_reason,
    speaker_reason,
    summary_reason,
    victims_reason,
)
from summarizer.records.contract import (
    Casualty,
    Event,
    EventDate,
    Evidence,
    Grounding,
    Quote,
    Rejection,
    iter_values,
)
from summarizer.text.document import Document
from summarizer.text.figures import outcome_near

Corrector = Callable[[list[Problem], int], tuple[list[str], int]]
"""Asks the model to correct some values: (problems, token allowance) -> (answers, tokens used)."""

_RANK = {"exact": 0, "normalized": 1, "fuzzy": 2}


@dataclass(frozen=True)
class ReaskBudget:
    rounds: int = 1
    tokens: int = 600


def ground(
    doc: Document,
    events: list[Event],
    problems: list[Problem],
    *,
    corrector: Corrector | None = None,
    budget: ReaskBudget | None = None,
) -> tuple[list[Event], list[Rejection], Grounding]:
    """The events with only supported values, every refusal, and the tallies."""
    found = [*problems, *check_events(doc, events)]
    remaining = reask(found, corrector, budget or ReaskBudget())
    rejected = [Rejection(path=p.path, value=p.value, reason=p.reason) for p in remaining]
    return events, rejected, tally(events, rejected)


def check_events(doc: Document, events: list[Event]) -> list[Problem]:
    """Check every value; take out or repair what fails, and say why."""
    problems: list[Problem] = []
    for i, event in enumerate(events):
        checker = _EventChecker(doc, event, f"events[{i}]", problems)
        checker.check()
    return problems


def reask(problems: list[Problem], corrector: Corrector | None, budget: ReaskBudget) -> list[Problem]:
    """Give the fixable problems back to the model, round by round, while the budget lasts."""
    tokens = budget.tokens
    for _ in range(budget.rounds):
        askable = [p for p in problems if p.retry is not None]
        if corrector is None or not askable or tokens <= 0:
            break
        answers, used = corrector(askable, tokens)
        tokens -= used
        for problem, answer in zip(askable, answers, strict=True):
            retry = problem.retry
            assert retry is not None
            if not answer.strip():
                problem.reason += "; withdrawn by the model when re-asked"
                problem.retry = None
                continue
            outcome = retry(answer)
            if outcome is None:
                problems.remove(problem)
            else:
                problem.reason = f"{problem.reason}; re-asked, it answered {answer!r}: {outcome}"
    return problems


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


class _EventChecker:
    def __init__(self, doc: Document, event: Event, path: str, problems: list[Problem]) -> None:
        self.doc = doc
        self.text = doc.text
        self.event = event
        self.path = path
        self.problems = problems

    def check(self) -> None:
        self._summary()
        self._date()
        self.event.locations = [
            x
            for i, x in enumerate(self.event.locations)
            if self._name(x.name, x.evidence, f"locations[{i}]", "location", x)
        ]
        self.event.actors = [
            x
            for i, x in enumerate(self.event.actors)
            if self._name(x.name, x.evidence, f"actors[{i}]", "actor", x)
        ]
        self.event.casualties = [
            c for i, c in enumerate(self.event.casualties) if self._casualty(c, f"casualties[{i}]")
        ]
        self.event.quotes = [q for i, q in enumerate(self.event.quotes) if self._quote(q, f"quotes[{i}]")]

    def _refuse(self, where: str, value: object, reason: str) -> None:
        self.problems.append(Problem(f"{self.path}.{where}", where, value, reason))

    def _summary(self) -> None:
        summary = self.event.summary
        reason = summary_reason(self.doc.index, summary.text, self.doc.trusted)
        if reason is None:
            return
        proposed = summary.text
        fallback = self._extractive_summary(summary.evidence)
        summary.text = fallback
        problem = Problem(f"{self.path}.summary", "the one-sentence summary of this event", proposed, reason)

        def retry(answer: str) -> str | None:
            again = summary_reason(self.doc.index, answer, self.doc.trusted)
            if again is None:
                summary.text = " ".join(answer.split())
            return again

        problem.retry = retry
        problem.reason += "; the summary is the article's own sentence instead"
        self.problems.append(problem)

    def _extractive_summary(self, evidence: list[Evidence]) -> str:
        """The first cited sentence (or the article's first), which supports itself."""
        sentences = [s for s in self.doc.trusted if any(e.start <= s.start < e.end for e in evidence)]
        chosen = (sentences or self.doc.trusted or self.doc.sentences)[0]
        return " ".join(chosen.text.split())

    def _date(self) -> None:
        date = self.event.date
        reason = date_reason(self.text, date) or self._only_in_flagged(date.evidence, "date")
        if reason is not None:
            self._refuse("date", date.model_dump(mode="json"), reason)
            self.event.date = EventDate()
            return
        expected = date_iso(date, self.doc.article.published)
        if date.iso != expected:
            published = self.doc.article.published
            self._refuse(
                "date.iso",
                date.iso,
                f"iso {date.iso!r} does not follow from {date.text!r} published {published}; "
                f"corrected to {expected!r}",
            )
            date.iso = expected

    def _name(self, name: str, evidence: list[Evidence], where: str, what: str, value: object) -> bool:
        reason = name_reason(self.text, name, evidence, what) or self._only_in_flagged(evidence, what)
        if reason is not None:
            self._refuse(where, _dump(value), reason)
        return reason is None

    def _casualty(self, casualty: Casualty, where: str) -> bool:
        reason = self._only_in_flagged(casualty.evidence, "casualty figure")
        found = find_claim(self.text, self.doc.sentences, casualty) if reason is None else None
        if found is None:
            self._refuse(where, _dump(casualty), reason or count_reason(casualty))
            return False
        if not isinstance(found, Claim):
            written = self.text[found.start : found.end]
            self._refuse(
                f"{where}.qualifier",
                casualty.qualifier,
                f"qualifier {casualty.qualifier!r} but the evidence says {written!r}; "
                f"corrected to {found.qualifier!r}",
            )
            casualty.qualifier = found.qualifier
            found = find_claim(self.text, self.doc.sentences, casualty)
            assert isinstance(found, Claim)
        unharmed = self._outcome(casualty, found, where)
        if unharmed is not None:
            self._refuse(where, _dump(casualty), unharmed)
            return False
        self._claimant(casualty, found, where)
        victims = victims_reason(self.text, casualty)
        if victims is not None:
            self._refuse(f"{where}.victims", casualty.victims, victims)
            casualty.victims = None
        return True

    def _outcome(self, casualty: Casualty, claim: Claim, where: str) -> str | None:
        """The outcome the words of the figure's clause state wins over the one proposed; the
        reason to refuse the casualty when those words say no one was harmed, or say nothing."""
        q, s = claim.quantity, claim.sentence
        figure = self.text[q.start : q.end]
        stated = outcome_near(self.text, q, s.start, s.end)
        if stated == "unharmed":
            return f"the text next to {figure!r} says they were freed or escaped, not harmed"
        if stated is None:
            return f"no word in the clause of {figure!r} says anyone was killed, hurt, taken or displaced"
        if stated != casualty.outcome:
            reason = (
                f"outcome {casualty.outcome!r} but the text next to {figure!r} says {stated!r}; corrected"
            )
            self._refuse(f"{where}.outcome", casualty.outcome, reason)
            casualty.outcome = stated
        return None

    def _claimant(self, casualty: Casualty, claim: Claim, where: str) -> None:
        if casualty.claimant is None:
            source = claim_source(self.text, self.doc.sentences, claim)
            if source is not None:  # the reporting frame names who says it: fill it in
                casualty.claimant = source.text
                self._add_evidence(casualty.evidence, source.start, source.end)
            return
        reason = claimant_reason(self.text, self.doc.sentences, claim, casualty.claimant)
        if reason is None:
            return
        proposed, casualty.claimant = casualty.claimant, None
        problem = Problem(f"{self.path}.{where}.claimant", "who gives this casualty figure", proposed, reason)

        def retry(answer: str) -> str | None:
            again = claimant_reason(self.text, self.doc.sentences, claim, answer)
            if again is None:
                casualty.claimant = " ".join(answer.split())
            return again

        problem.retry = retry
        self.problems.append(problem)

    def _quote(self, quote: Quote, where: str) -> bool:
        reason = quote_reason(self.text, quote)
        if reason is not None:
            self._refuse(where, _dump(quote), reason)
            return False
        reason = speaker_reason(self.text, self.doc.sentences, quote)
        if reason is not None:
            self._refuse(f"{where}.speaker", quote.speaker, reason)
            quote.speaker = None
            quote.evidence = quote.evidence[:1]
        return True

    def _only_in_flagged(self, evidence: list[Evidence], what: str) -> str | None:
        trusted = self.doc.trusted
        if evidence and not any(s.start <= e.start < s.end for e in evidence for s in trusted):
            return f"the {what} comes only from text that addresses the reader (instructions), not reporting"
        return None

    def _add_evidence(self, evidence: list[Evidence], start: int, end: int) -> None:
        if not any(e.start <= start and end <= e.end for e in evidence):
            evidence.append(Evidence(start=start, end=end, text=self.text[start:end], match="exact"))


def _dump(value: object) -> object:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value
