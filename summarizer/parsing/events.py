"""Turning the model's drafts into contract objects whose every span comes from the program.

Keys become the candidates' spans, sentence numbers become sentence spans, and names the model
wrote are aligned in the article's reporting text (exact, normalized, fuzzy) and then written
as the article writes them. A name that cannot be found is not output: it becomes a `Problem`,
with the nearest reporting text as hints and a slot saying where a re-asked name would go. The
placing functions (`add_location`, `add_actor`, `credited_span`) are the same ones a re-ask's
candidate goes through; grounding then checks everything, whoever proposed it.
"""

from __future__ import annotations

from typing import Any, cast

from summarizer.core.taxonomy import ActorKind, LocationRole
from summarizer.core.types import (
    CLAIMANT,
    SPEAKER,
    ActorSlot,
    Credit,
    CreditSlot,
    PlaceSlot,
    Problem,
    Refusal,
    Slot,
)
from summarizer.model.drafts import BACKGROUND, NO_DATE, NOT_A_NAME, NOT_CASUALTY, PLACE, Drafts, EventDraft
from summarizer.records.contract import Actor, Casualty, Event, EventDate, Evidence, Location, Quote, Summary
from summarizer.text.alignment import Alignment, TextIndex
from summarizer.text.dates import resolve
from summarizer.text.document import Document, FigureCandidate, QuoteCandidate
from summarizer.text.entities import NameCandidate
from summarizer.text.figures import attribution_between, victims_after
from summarizer.text.names import hints_for, names_agree
from summarizer.text.sentences import Sentence


def build_events(doc: Document, drafts: Drafts) -> tuple[list[Event], list[Problem]]:
    """The events of the record, main event first, and what could not be placed in the text."""
    builder = _Builder(doc, drafts)
    builder.build()
    return builder.events, builder.problems


def sentence_evidence(sentence: Sentence) -> Evidence:
    return Evidence(start=sentence.start, end=sentence.end, text=sentence.text, match="exact")


def evidence_of(doc: Document, span: Alignment) -> Evidence:
    return Evidence(start=span.start, end=span.end, text=doc.text[span.start : span.end], match=span.match)


def words_of(doc: Document, span: Alignment) -> str:
    """A span's text with its line breaks and runs of spaces made single spaces."""
    return " ".join(doc.text[span.start : span.end].split())


def same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def fullest_mention(doc: Document, candidate: NameCandidate) -> Alignment:
    """The mention that writes the name in full (the first such), else the first mention."""
    wanted = " ".join(candidate.text.split())
    for start, end in candidate.mentions:
        if " ".join(doc.text[start:end].split()) == wanted:
            return Alignment(start, end, "exact")
    start, end = candidate.mentions[0]
    return Alignment(start, end, "exact")


def region_of(doc: Document, numbers: list[int]) -> tuple[int, int] | None:
    """The span from the first to the last of some sentences."""
    if not numbers:
        return None
    return doc.sentence(numbers[0]).start, doc.sentence(numbers[-1]).end


def add_location(
    doc: Document, locations: list[Location], name: str, role: LocationRole, region: tuple[int, int] | None
) -> Refusal | None:
    """Adds the place if the article's reporting names it (once; the first primary one first)."""
    span = doc.find(name, region)
    if span is None:
        return Refusal("not_found", f"location {name!r} not found in the article")
    written = words_of(doc, span)
    if not any(same_name(loc.name, written) for loc in locations):
        primary = role == "primary" and not any(x.role == "primary" for x in locations)
        evidence = [evidence_of(doc, span)]
        made = Location(name=written, role="primary" if primary else "mentioned", evidence=evidence)
        locations.insert(0 if primary else len(locations), made)
    return None


def add_actor(doc: Document, actors: list[Actor], name: str, slot: ActorSlot) -> Refusal | None:
    """Adds the actor if the article's reporting names it, near the place the model ranked it."""
    span = doc.find(name)
    if span is None:
        return Refusal("not_found", f"actor {name!r} not found in the article")
    written = words_of(doc, span)
    if not any(same_name(a.name, written) for a in actors):
        actor = Actor(name=written, kind=slot.kind, role=slot.role, evidence=[evidence_of(doc, span)])
        actors.insert(min(slot.position, len(actors)), actor)
    return None


class _Builder:
    def __init__(self, doc: Document, drafts: Drafts) -> None:
        self.doc = doc
        self.drafts = drafts
        self.problems: list[Problem] = []
        self.drafted = self._distinct_events()
        self.events = [self._event(d) for d in self.drafted]

    def build(self) -> None:
        for i, draft in enumerate(self.drafted):
            region = region_of(self.doc, sorted(draft.summary_sentences))
            self._propose_location(i, draft.location, "primary", f"events[{i}].location", region)
        self._add_named()
        self._add_actors()
        claimants = self._claimants()
        for figure in self.doc.figures:
            answer = self.drafts.figures.get(figure.key)
            if answer is not None and answer.outcome != NOT_CASUALTY:
                owner = self.events[self._owner(figure.sentence.number)]
                path = f"events[{self.events.index(owner)}].casualties[{len(owner.casualties)}]"
                owner.casualties.append(self._casualty(figure, answer.outcome, claimants[figure.key], path))
        for quote in self.doc.quotes:
            said = self.drafts.quotes.get(quote.key)
            owner = self.events[self._owner(quote.sentence.number)]
            path = f"events[{self.events.index(owner)}].quotes[{len(owner.quotes)}]"
            owner.quotes.append(self._quote(quote, said.speaker if said else "", path))

    def _event(self, draft: EventDraft) -> Event:
        return Event(
            event_type=draft.category.event_type,
            sub_event_type=draft.sub_event_type,
            summary=Summary(
                text=" ".join(draft.summary.split()),
                evidence=[
                    sentence_evidence(self.doc.sentence(n)) for n in sorted(set(draft.summary_sentences))
                ],
            ),
            date=self._date(draft.date),
        )

    def _distinct_events(self) -> list[EventDraft]:
        """The main event, then each related event that stands on its own: at a place the
        article names in the sentences the event cites, and not a place already reported."""
        kept = [self.drafts.events.main]
        places: list[str] = []
        main_span = self.doc.find(kept[0].location)
        if main_span is not None:
            places.append(words_of(self.doc, main_span))
        for i, draft in enumerate(self.drafts.events.related, 1):
            refusal = self._related_refusal(draft, places)
            if refusal is None:
                kept.append(draft)
            else:
                path = f"events.related[{i - 1}]"
                self.problems.append(Problem.of(path, "a related event", draft.model_dump(), refusal))
        return kept

    def _related_refusal(self, draft: EventDraft, places: list[str]) -> Refusal | None:
        span = self.doc.find(draft.location)
        if span is None:
            return Refusal("not_found", f"related event at {draft.location!r}: no such place in the article")
        place = words_of(self.doc, span)
        if any(same_name(place, p) or names_agree(place, p) for p in places):
            return Refusal("repeated", f"related event at {place!r} repeats an event already reported there")
        cited = " ".join(self.doc.sentence(n).text for n in draft.summary_sentences)
        if TextIndex(cited).align(draft.location) is None:
            reason = f"related event at {place!r}: the sentences it cites do not name that place"
            return Refusal("not_supported", reason)
        places.append(place)
        return None

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

    def _propose_location(
        self, event: int, name: str, role: LocationRole, path: str, region: tuple[int, int] | None
    ) -> None:
        if not name.strip():
            return
        refusal = add_location(self.doc, self.events[event].locations, name, role, region)
        if refusal is not None:
            label = f"a place where event {event + 1} happened"
            self._problem(path, label, name, refusal, region=region, slot=PlaceSlot(event, role, region))

    def _add_named(self) -> None:
        """The names the program found, as places and actors of the main event, written as the
        article writes them, at a span the NER model found. The model says whether a name is
        one at all (not_a_name, background: left out), an actor's kind and role, and whether an
        organisation's name is a place; the NER label decides the sort of a place or a person,
        since a 1.5B model classing a list of keys drifts into runs of one answer. A
        nationality or a religion (NORP: "Kenyan", "Muslims") is never an actor: it names a
        people or qualifies a noun (on the dev split nearly all of them were false actors)."""
        main = self.events[0]
        for candidate in self.doc.names:
            verdict = self.drafts.entities.names.get(candidate.key)
            if verdict is None or verdict.kind in (BACKGROUND, NOT_A_NAME) or candidate.label == "NORP":
                continue
            span = fullest_mention(self.doc, candidate)
            written = words_of(self.doc, span)
            evidence = [evidence_of(self.doc, span)]
            if candidate.looks_like_place or verdict.kind == PLACE:
                if not any(names_agree(written, loc.name) for loc in main.locations):
                    main.locations.append(Location(name=written, role="mentioned", evidence=evidence))
            elif not any(same_name(written, a.name) for a in main.actors):
                kind = "person" if candidate.label == "PERSON" else cast(ActorKind, verdict.kind)
                main.actors.append(Actor(name=written, kind=kind, role=verdict.role, evidence=evidence))

    def _add_actors(self) -> None:
        """Actors the article describes without a name, found in the text, once each, after the
        named ones; a place offered as an actor is refused as such."""
        places = [loc.name for loc in self.events[0].locations]
        named = len(self.events[0].actors)
        for i, actor in enumerate(self.drafts.entities.actors):
            path = f"events[0].actors[{named + i}]"
            if any(same_name(actor.name, place) for place in places):
                reason = f"actor {actor.name!r} is a place the article names, not an actor"
                self.problems.append(Problem(path, "an actor", actor.model_dump(), "not_an_actor", reason))
                continue
            slot = ActorSlot(actor.kind, actor.role, named + i)
            refusal = add_actor(self.doc, self.events[0].actors, actor.name, slot)
            if refusal is not None:
                label = f"an actor ({actor.kind}, {actor.role})"
                self._problem(path, label, actor.name, refusal, region=None, slot=slot)

    def _claimants(self) -> dict[str, str]:
        """The model's claimant per figure; a figure with no reporting verb between it and the
        figure before it in the same sentence ("medics said 12 people, including two
        children, died") shares that figure's claim, whatever the model answered for it."""
        found: dict[str, str] = {}
        previous: FigureCandidate | None = None
        for figure in self.doc.figures:
            draft = self.drafts.figures.get(figure.key)
            if draft is None:
                continue
            found[figure.key] = draft.claimant
            if (
                figure.source is None
                and previous is not None
                and previous.sentence == figure.sentence
                and not attribution_between(self.doc.text, previous.quantity.end, figure.quantity.start)
            ):
                found[figure.key] = found[previous.key]
            previous = figure
        return found

    def _casualty(self, figure: FigureCandidate, outcome: Any, claimant: str, path: str) -> Casualty:
        quantity = figure.quantity
        casualty = Casualty(
            outcome=outcome,
            count_low=quantity.low,
            count_high=quantity.high,
            qualifier=quantity.qualifier,
            victims=victims_after(self.doc.text, quantity, figure.sentence.end),
            evidence=[sentence_evidence(figure.sentence)],
        )
        label = f"who gives figure {figure.key}"
        anchor = (quantity.start, quantity.end)
        span = self._credit(CLAIMANT, figure, claimant, anchor, path=f"{path}.claimant", label=label)
        if span is not None:
            casualty.claimant = words_of(self.doc, span)
            if not figure.sentence.start <= span.start < figure.sentence.end:
                casualty.evidence.append(evidence_of(self.doc, span))
        return casualty

    def _quote(self, quote: QuoteCandidate, speaker: str, path: str) -> Quote:
        quotation = quote.quotation
        evidence = [evidence_of(self.doc, Alignment(quotation.start, quotation.end, "exact"))]
        made = Quote(text=quotation.text, evidence=evidence)
        label = f"who said quote {quote.key}"
        anchor = (quotation.start, quotation.end)
        span = self._credit(SPEAKER, quote, speaker, anchor, path=f"{path}.speaker", label=label)
        if span is not None:
            made.speaker = words_of(self.doc, span)
            made.evidence.append(evidence_of(self.doc, span))
        return made

    def _credit(
        self,
        credit: Credit,
        candidate: FigureCandidate | QuoteCandidate,
        answer: str,
        anchor: tuple[int, int],
        *,
        path: str,
        label: str,
    ) -> Alignment | None:
        """Who a figure or a quote is credited to: the words of its reporting frame where the
        text has one (an answer naming someone else is refused, on the record), else the model's
        answer found near it; if that is not found, a re-ask may offer another name."""
        source, sentence = candidate.source, candidate.sentence
        first = max(1, sentence.number - credit.lookback)
        region = (self.doc.sentence(first).start, sentence.end)
        if source is not None and answer.strip() and not names_agree(answer, source.text):
            self.problems.append(Problem.of(path, label, answer, credit.mismatch(answer, source.text)))
        if source is not None:
            return Alignment(source.start, source.end, "exact")
        if not answer.strip():
            return None
        span = self.doc.find(answer, region)
        if span is None:
            slot = CreditSlot(credit, self._owner(sentence.number), anchor, region)
            self._problem(path, label, answer, credit.not_near(answer), region=region, slot=slot)
        return span

    def _owner(self, sentence: int) -> int:
        """The event a sentence belongs to: a related event's own sentence, else the main event."""
        main = set(self.drafted[0].summary_sentences)
        for i, draft in enumerate(self.drafted[1:], 1):
            if sentence in draft.summary_sentences and sentence not in main:
                return i
        return 0

    def _problem(
        self,
        path: str,
        label: str,
        value: str,
        refusal: Refusal,
        *,
        region: tuple[int, int] | None,
        slot: Slot,
    ) -> None:
        """A value that could not be placed, with the nearest reporting texts as hints."""
        hints = hints_for(self.doc.index, self.doc.trusted, value, region) if value.strip() else []
        self.problems.append(Problem.of(path, label, value, refusal, hints=hints, slot=slot))
