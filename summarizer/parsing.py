"""Turning the model's drafts into contract objects whose every span comes from the program.

Keys become the candidates' spans, sentence numbers become sentence spans, and names the model
wrote are aligned in the article (exact, normalized, fuzzy) and then written as the article
writes them. A name that cannot be found is not output; it goes to ``rejected`` with the reason,
at the path where the model proposed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from summarizer.alignment import Alignment
from summarizer.attribution import Source
from summarizer.contract import (
    Actor,
    Casualty,
    Event,
    EventDate,
    Evidence,
    Location,
    Quote,
    Rejection,
    Summary,
)
from summarizer.dates import resolve
from summarizer.document import Document, FigureCandidate, QuoteCandidate
from summarizer.drafts import NO_DATE, NOT_CASUALTY, EventDraft
from summarizer.extraction import Drafts
from summarizer.figures import attribution_between, victims_after
from summarizer.sentences import Sentence
from summarizer.taxonomy import LocationRole, event_type_of

CLAIMANT_LOOKBACK = 2
"""Sentences before a figure searched for a claimant the model named ("He claimed that ...")."""


@dataclass
class _EventParts:
    draft: EventDraft
    sentences: set[int]
    locations: list[Location] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    casualties: list[Casualty] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)


def build_events(doc: Document, drafts: Drafts) -> tuple[list[Event], list[Rejection]]:
    """The events of the record, main event first, and what could not be placed in the text."""
    builder = _Builder(doc, drafts)
    builder.build()
    return [builder.event(part) for part in builder.parts], builder.rejected


def sentence_evidence(sentence: Sentence) -> Evidence:
    return Evidence(start=sentence.start, end=sentence.end, text=sentence.text, match="exact")


def evidence_of(doc: Document, span: Alignment) -> Evidence:
    return Evidence(start=span.start, end=span.end, text=doc.text[span.start : span.end], match=span.match)


def words_of(doc: Document, span: Alignment) -> str:
    """A span's text with its line breaks and runs of spaces made single spaces."""
    return " ".join(doc.text[span.start : span.end].split())


def same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


class _Builder:
    def __init__(self, doc: Document, drafts: Drafts) -> None:
        self.doc = doc
        self.drafts = drafts
        self.rejected: list[Rejection] = []
        self.parts = [_EventParts(d, set(d.summary_sentences)) for d in self._distinct_events()]

    def build(self) -> None:
        main = self.parts[0]
        for i, part in enumerate(self.parts):
            self._add_location(part, part.draft.location, "primary", f"events[{i}].location")
        for i, name in enumerate(self.drafts.entities.places):
            self._add_location(main, name, "mentioned", f"events[0].places[{i}]")
        self._add_actors(main)
        claimants = self._claimants()
        for figure in self.doc.figures:
            draft = self.drafts.figures.get(figure.key)
            if draft is not None and draft.outcome != NOT_CASUALTY:
                owner = self._owner(figure.sentence.number)
                path = f"events[{self.parts.index(owner)}].casualties[{len(owner.casualties)}]"
                owner.casualties.append(self._casualty(figure, draft.outcome, claimants[figure.key], path))
        for quote in self.doc.quotes:
            answer = self.drafts.quotes.get(quote.key)
            owner = self._owner(quote.sentence.number)
            path = f"events[{self.parts.index(owner)}].quotes[{len(owner.quotes)}]"
            owner.quotes.append(self._quote(quote, answer.speaker if answer else "", path))

    def event(self, part: _EventParts) -> Event:
        draft = part.draft
        return Event(
            event_type=event_type_of(draft.sub_event_type),
            sub_event_type=draft.sub_event_type,
            summary=Summary(
                text=" ".join(draft.summary.split()),
                evidence=[sentence_evidence(self.doc.sentence(n)) for n in sorted(part.sentences)],
            ),
            date=self._date(draft.date),
            locations=part.locations,
            actors=part.actors,
            casualties=part.casualties,
            quotes=part.quotes,
        )

    def _distinct_events(self) -> list[EventDraft]:
        """The main event, then related ones that are not the main event told again."""
        kept = [self.drafts.events.main]
        for draft in self.drafts.events.related:
            if not any(
                d.sub_event_type == draft.sub_event_type and same_name(d.location, draft.location)
                for d in kept
            ):
                kept.append(draft)
        return kept

    def _date(self, key: str) -> EventDate:
        candidate = next((d for d in self.doc.dates if d.key == key), None)
        if key == NO_DATE or candidate is None:
            return EventDate()
        mention = candidate.mention
        return EventDate(
            text=mention.text,
            iso=resolve(mention.text, mention.precision, self.doc.article.published),
            precision=mention.precision,
            evidence=[evidence_of(self.doc, Alignment(mention.start, mention.end, "exact"))],
        )

    def _add_location(self, part: _EventParts, name: str, role: LocationRole, path: str) -> None:
        if not name.strip():
            return
        region = self._region(sorted(part.sentences)) if role == "primary" else None
        span = self.doc.index.align(name, region)
        if span is None:
            self._missing(path, {"name": name, "role": role}, "location", name)
            return
        written = words_of(self.doc, span)
        if not any(same_name(loc.name, written) for loc in part.locations):
            part.locations.append(Location(name=written, role=role, evidence=[evidence_of(self.doc, span)]))

    def _add_actors(self, main: _EventParts) -> None:
        """Actors found in the text, once each; a place offered as an actor is refused as such."""
        places = [*self.drafts.entities.places, *(loc.name for loc in main.locations)]
        for i, actor in enumerate(self.drafts.entities.actors):
            path = f"events[0].actors[{i}]"
            span = self.doc.index.align(actor.name)
            if span is None:
                self._missing(path, actor.model_dump(), "actor", actor.name)
                continue
            name = words_of(self.doc, span)
            if any(same_name(name, place) or same_name(actor.name, place) for place in places):
                reason = f"actor {actor.name!r} is a place the article names, not an actor"
                self.rejected.append(Rejection(path=path, value=actor.model_dump(), reason=reason))
            elif not any(same_name(a.name, name) for a in main.actors):
                evidence = [evidence_of(self.doc, span)]
                main.actors.append(Actor(name=name, kind=actor.kind, role=actor.role, evidence=evidence))

    def _claimants(self) -> dict[str, str]:
        """The model's claimant per figure; a figure with no reporting verb between it and the
        figure before it in the same sentence ("activists said 52 people, including three
        women, died") shares that figure's claim, whatever the model answered for it."""
        found: dict[str, str] = {}
        previous: FigureCandidate | None = None
        for figure in self.doc.figures:
            draft = self.drafts.figures.get(figure.key)
            if draft is None:
                continue
            found[figure.key] = draft.claimant
            if (
                previous is not None
                and previous.sentence == figure.sentence
                and not attribution_between(self.doc.text, previous.quantity.end, figure.quantity.start)
            ):
                found[figure.key] = found[previous.key]
            previous = figure
        return found

    def _casualty(self, figure: FigureCandidate, outcome: Any, claimant: str, path: str) -> Casualty:
        evidence = [sentence_evidence(figure.sentence)]
        first = max(1, figure.sentence.number - CLAIMANT_LOOKBACK)
        region = self._region(list(range(first, figure.sentence.number + 1)))
        span = self._source_span(figure.source, claimant, region)
        named: str | None = None
        if span is None and claimant.strip():
            self._missing(f"{path}.claimant", claimant, "claimant", claimant)
        elif span is not None:
            named = words_of(self.doc, span)
            if not figure.sentence.start <= span.start < figure.sentence.end:
                evidence.append(evidence_of(self.doc, span))
        quantity = figure.quantity
        return Casualty(
            outcome=outcome,
            count_low=quantity.low,
            count_high=quantity.high,
            qualifier=quantity.qualifier,
            victims=victims_after(self.doc.text, quantity, figure.sentence.end),
            claimant=named,
            evidence=evidence,
        )

    def _quote(self, quote: QuoteCandidate, speaker: str, path: str) -> Quote:
        quotation = quote.quotation
        evidence = [evidence_of(self.doc, Alignment(quotation.start, quotation.end, "exact"))]
        first = max(1, quote.sentence.number - 1)
        span = self._source_span(
            quote.source, speaker, self._region(list(range(first, quote.sentence.number + 1)))
        )
        named: str | None = None
        if span is None and speaker.strip():
            self._missing(f"{path}.speaker", speaker, "speaker", speaker)
        elif span is not None:
            named = words_of(self.doc, span)
            evidence.append(evidence_of(self.doc, span))
        return Quote(speaker=named, text=quotation.text, evidence=evidence)

    def _source_span(
        self, source: Source | None, answer: str, region: tuple[int, int] | None
    ) -> Alignment | None:
        """The program's reading of the reporting frame if it has one, else the model's answer."""
        if source is not None:
            return Alignment(source.start, source.end, "exact")
        return self.doc.index.align(answer, region) if answer.strip() else None

    def _owner(self, sentence: int) -> _EventParts:
        """The event a sentence belongs to: a related event's own sentence, else the main event."""
        for part in self.parts[1:]:
            if sentence in part.sentences and sentence not in self.parts[0].sentences:
                return part
        return self.parts[0]

    def _region(self, numbers: list[int]) -> tuple[int, int] | None:
        if not numbers:
            return None
        return self.doc.sentence(numbers[0]).start, self.doc.sentence(numbers[-1]).end

    def _missing(self, path: str, value: Any, what: str, name: str) -> None:
        reason = f"{what} {name!r} not found in the article"
        self.rejected.append(Rejection(path=path, value=value, reason=reason))
