"""Small talk: which greeting, thanks, goodbye, help or sources intent a message holds, if it is small talk.

A message is small talk when every word of it is read as a small-talk phrase or
a filler word of conversation.yaml ("thats everything, thanks, bye x"), or when
one of its clauses is (or the phrase it opens with), and the others ask nothing
and name nothing the slides or the lexicon know ("Hi, I'm new to all this"), or
only tell of someone after a greeting they open with ("hello, my wife has secondary breast cancer"),
or before a question about the bot itself ("nurse here, where does this information come from?").
The last intent in the file's order wins: "thanks, bye" is a goodbye, "hi, who
wrote this?" asks for the sources.
"""

from __future__ import annotations

from mbcbot.matching import Matcher
from mbcbot.model import INTENTS, PARTING, Conversation, Phrasebook
from mbcbot.phrases import Hit, hits
from mbcbot.text import clauses, plain, stem, words


def intent_of(rules: Conversation, said: str, found: list[Hit] | None = None) -> str | None:
    """The intent of a message read whole as small talk (plain text; `found`: its small-talk phrases, when
    already read), or None. Small talk that closes with a goodbye is one, though thanks read over it ("thanks
    for listening, bye", "thanks for being honest. good night")."""
    found = hits(rules.intents, said) if found is None else found
    names = whole_reading(rules.intents, rules.filler, said, found)
    last = len(words(said)) - 1
    if names and any(hit.concept == "goodbye" and hit.end == last and not _inside(hit, found) for hit in found):
        names = [*names, "goodbye"]
    return _winner(names)


def _inside(hit: Hit, found: list[Hit]) -> bool:
    """Whether a phrase is part of a longer greeting ("night" in "sorry to bother you at this time of night"); a
    goodbye after thanks still closes them ("thanks for listening, bye")."""
    return any(other.concept == "greeting" and other.start < hit.start and hit.end <= other.end for other in found)


def _winner(names: list[str] | None) -> str | None:
    """The intent of the small-talk phrases named: the later intent wins; partings ("I'll ask the nurse") are a
    goodbye alone, and part of the intent beside them ("I'll ask the nurse, thanks")."""
    intents = [name for name in names or () if name != PARTING]
    return max(intents, key=INTENTS.index) if intents else "goodbye" if names else None


def intent_beside_clauses(rules: Conversation, matcher: Matcher, text: str, found: list[Hit]) -> str | None:
    """The intent of a clause of small talk whose other clauses ask and name nothing (normalised text; `found`:
    its small-talk phrases), or None."""
    if not found:  # no small-talk phrase anywhere: most messages, read once and no further
        return None
    parts = clauses(text, commas=True)
    first = words(parts[0]) if parts else []
    cut = max((hit.end + 1 for hit in found if hit.start == 0), default=0)  # the small-talk phrase it opens with
    if 0 < cut < len(first) and whole_reading(rules.intents, rules.filler, " ".join(first)) is None:
        parts = [" ".join(first[:cut]), " ".join(first[cut:]), *parts[1:]]  # "hello I am from Poland ..."
    parts = _closing_cut(rules, parts)
    if len(parts) < 2:
        return None
    readings = [whole_reading(rules.intents, rules.filler, plain(part)) for part in parts]
    names = [name for reading in readings if reading for name in reading]
    if not names:
        return None
    told = asked = False
    # a story may follow a greeting ("hello, my wife has secondaries"), open a question about the bot itself
    # ("nurse here checking the bot for a patient group, where does this information come from?"), or come
    # before closing thanks or a goodbye ("i called them, they're coming to sit with me. thank you")
    closing = not {"thanks", "goodbye"}.isdisjoint(readings[-1] or ()) and not parts[-1].rstrip().endswith("?")
    opening = "greeting" in (readings[0] or ())  # "hiya. my mum's just been told ..."
    story_allowed = opening or closing or not {"sources", "help"}.isdisjoint(names)
    for part, reading in zip(parts, readings, strict=True):
        said_part = plain(part)
        if said_part and not reading:
            if part.rstrip().endswith("?"):
                return None
            query = matcher.query(said_part)
            if query.known or query.not_covered:
                asks = rules.asking.search(said_part)
                # after a greeting, news of someone ("mi auntie have di cancer") that asks nothing of an uncovered subject
                news = opening and not query.not_covered and _tells_of_someone(rules, said_part)
                telling = _tells_only(rules, said_part) or (not asks and (closing or news))
                if not story_allowed or not telling:  # before closing thanks, any news that asks nothing
                    return None
                told = True
            elif rules.asking.search(said_part):
                asked = True
    return None if told and asked else _winner(names)


def _closing_cut(rules: Conversation, parts: list[str]) -> list[str]:
    """The clauses, the last one cut before the thanks or goodbye that closes it (`closing`) when the words before
    ask nothing ("the ambulance people are here now thank you")."""
    said = plain(parts[-1]) if parts else ""
    closing = rules.closing.search(said)
    if closing is None or closing.start() == 0 or rules.asking.search(said[: closing.start()]):
        return parts
    return [*parts[:-1], said[: closing.start()].strip(), said[closing.start() :]]


def _tells_only(rules: Conversation, said: str) -> bool:
    """Whether a clause tells of someone and asks nothing, its small-talk phrases aside ("my mum has just been
    told it's in her bones and I don't know where to start")."""
    if not rules.telling.match(said):
        return False
    read = {at for hit in hits(rules.intents, said) for at in range(hit.start, hit.end + 1)}
    return not rules.asking.search(" ".join(word for at, word in enumerate(words(said)) if at not in read))


def _tells_of_someone(rules: Conversation, said: str) -> bool:
    """Whether a clause tells of someone anywhere in it ("please my mother was diagnosed ..."), not only at its start."""
    said_words = words(said)
    return any(rules.telling.match(" ".join(said_words[at:])) for at in range(len(said_words)))


def whole_reading(book: Phrasebook, filler: frozenset[str], text: str, found: list[Hit] | None = None) -> list[str] | None:
    """The names of the phrases that, with filler words between them, read the whole of `text`, in order;
    None when no reading covers every word (of several, one with a phrase, then the one whose phrases read the
    most words, then with the fewest)."""
    stems = [stem(word) for word in words(text)]
    starting: dict[int, list[Hit]] = {}
    for hit in hits(book, text) if found is None else found:
        starting.setdefault(hit.start, []).append(hit)
    readings: list[tuple[int, list[str]] | None] = [None] * (len(stems) + 1)  # words read by phrases, names
    readings[len(stems)] = (0, [])
    for at in range(len(stems) - 1, -1, -1):  # from the end: the best reading of the words from `at` on
        options = [
            (hit.end + 1 - at + rest[0], [hit.concept, *rest[1]])
            for hit in starting.get(at, ())
            if (rest := readings[hit.end + 1]) is not None
        ]
        if stems[at] in filler and (rest := readings[at + 1]) is not None:
            options.append(rest)
        readings[at] = min(options, key=lambda read: (not read[1], -read[0], len(read[1]))) if options else None
    best = readings[0]
    return best[1] if best is not None else None
