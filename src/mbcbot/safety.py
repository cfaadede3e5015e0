"""Red flags as concepts: tell which emergency or advice rule a message sets off (`safetyfile` reads them).

A concept is a named list of phrases ("fever": fever, temperature, hot and
shivery, rigors, 38 to 43 degrees ...). A rule fires when all the concepts of
one of its combinations stand in a message ("fever" with "on chemo"). A red
flag only counts when the message reports it happening, not when it asks about
it in general ("does it cause seizures?") or tells of long ago; when that
cannot be told, it counts (safety wins ties).

Phrases are read as word stems, so one form of a word covers its plurals and
endings. A phrase may hold (a|b) for either of two wordings, (a|) for an
optional word, `word*` for any word that begins so, `_` for any one word, and
<38-43> for a whole number in that range ("38", "38c", "39.5").
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from mbcbot.model import Rule, Safety
from mbcbot.phrases import Hit
from mbcbot.phrases import hits as phrase_hits
from mbcbot.text import Clauses

# the framing concepts every safety file defines
ROLES = (
    "person", "general", "now", "not_now", "ongoing", "over", "asks_of", "asks_back", "negation", "still_urgent", "fact", "attended",
)  # fmt: skip
FRAMING_REACH = 2  # words after another time ("if she ever has a fit") that it still sets at that time
NEGATION_REACH = 3  # words before a red flag a "no" or "not" still negates ("hasn't had a temperature")


def emergency_rule(safety: Safety, text: str, found: list[Hit], context: Iterable[str] = ()) -> Rule | None:
    """The emergency rule (a crisis rule first) that `text`, whose concept phrases are `found`, reports; a
    combination may take a concept from `context`, the remembered concepts of earlier messages ("she's on chemo",
    then "she's shivering"), but never its red flag."""
    live = _not_negated(found)
    held = {hit.concept for hit in live}.union(context)
    parts = Clauses(text)
    fired = [rule for rule in safety.emergency if not held.isdisjoint(rule.flags) and _fires(rule, live, held, parts)]
    return next((rule for rule in fired if rule.crisis), fired[0]) if fired else None


def advice_rule(safety: Safety, text: str, found: list[Hit]) -> Rule | None:
    """The first advice rule whose concepts stand among the phrases `found`, however the message is framed, but
    for clauses told of another time and asking nothing for oneself ("my uncle took a double dose last year"),
    and for questions of fact ("how often should she have scans?")."""
    facts = [hit for hit in found if hit.concept == "fact"]
    if facts:
        found = [hit for hit in found if hit.concept in ROLES or not _overlaps(hit, facts)]
    nows = [hit for hit in found if hit.concept == "now"]
    told = [hit for hit in found if hit.concept == "not_now" and not _within(hit, nows)]  # not "worse than last week"
    if told:
        parts = Clauses(text)
        mine = [parts.of(hit.start, commas=False) for hit in found if hit.concept == "me"]
        past = {
            clause
            for clause in (parts.of(hit.start) for hit in told)
            if not any(start <= clause[0] < end for start, end, _ in mine)  # asked for oneself in its sentence
        }
        # a phrase that runs on out of such a clause is asked now ("scared of the radiation and wants to say no. should she?")
        found = [
            hit for hit in found if _overlaps(hit, told) or not any(start <= hit.start <= hit.end < end for start, end, _ in past)
        ]
    held = {hit.concept for hit in found}
    advised = (rule for rule in safety.advice if not held.isdisjoint(rule.flags))
    return next((rule for rule in advised if any(_together(rule, combo, found, held) for combo in rule.when)), None)


def remembered(safety: Safety, found: list[Hit]) -> set[str]:
    """The concepts of `found` a conversation remembers for later messages (not those negated: "not on chemo")."""
    if all(hit.concept not in safety.remembered for hit in found):
        return set()  # most messages: nothing to remember, and no need to read their negations
    return {hit.concept for hit in _not_negated(found) if hit.concept in safety.remembered}


def attended(found: list[Hit]) -> list[Hit]:
    """The phrases of `found` that say help is with the person or on its way ("the ambulance is coming")."""
    return [hit for hit in found if hit.concept == "attended"]


def unattended(found: list[Hit], text: str) -> list[Hit]:
    """The phrases of `found` but those that help at hand is seeing to: within the phrase that says so ("calling
    999" is not a new alarm), or told before it in its clause ("she's come round and the paramedics are with her")."""
    helped = attended(found)
    if not helped:
        return found
    parts = Clauses(text)
    starts = {hit.start: parts.of(hit.start)[0] for hit in found}  # each phrase's clause, read once
    seen_to = [(starts[hit.start], hit.start) for hit in helped]
    return [
        hit
        for hit in found
        if not _overlaps(hit, helped) and not any(starts[hit.start] == clause and hit.end < at for clause, at in seen_to)
    ]


def _within(hit: Hit, others: list[Hit]) -> bool:
    """Whether the hit lies wholly inside one of the others."""
    return any(other.start <= hit.start and hit.end <= other.end for other in others)


def _overlaps(hit: Hit, others: list[Hit]) -> bool:
    return any(other.start <= hit.end and hit.start <= other.end for other in others)


def hits(safety: Safety, text: str) -> list[Hit]:
    """Every concept phrase in `text`, with its words' positions (the longest reading of each)."""
    return phrase_hits(safety.phrases, text, safety.shorthand)


def _together(rule: Rule, combo: tuple[str, ...], found: list[Hit], held: set[str]) -> bool:
    """Whether every concept of the combination stands among the phrases found (near one another, if the rule asks)."""
    if not all(concept in held for concept in combo):
        return False
    for concept in {name for name in combo if combo.count(name) > 1}:  # named twice: two phrases of it, apart
        if _apart([hit for hit in found if hit.concept == concept]) < combo.count(concept):
            return False
    if not rule.within or len(combo) < 2:
        return True
    first = [hit for hit in found if hit.concept == combo[0]]
    near = [[other for other in found if other.concept == concept] for concept in combo[1:]]
    return all(  # a concept remembered from earlier messages has no place here: it stands near
        not others or any(abs(other.start - hit.start) <= rule.within for hit in first for other in others) for others in near
    )


def _apart(found: list[Hit]) -> int:
    """How many of the hits stand apart from one another (overlapping readings of one phrase count once)."""
    count, end = 0, -1
    for hit in sorted(found, key=lambda hit: (hit.end, hit.start)):
        if hit.start > end:
            count, end = count + 1, hit.end
    return count


def _fires(rule: Rule, live: list[Hit], held: set[str], parts: Clauses) -> bool:
    """Whether a combination of the rule stands, its red flag reported (not asked in general or long past)."""
    for combo in rule.when:
        if not _together(rule, combo, live, held):
            continue
        if rule.always or any(_reported(flag, live, parts, rule) for flag in live if flag.concept == combo[0]):
            return True
    return False


def _not_negated(found: list[Hit]) -> list[Hit]:
    """The hits but the red flags with a "no", "not" or "without" just before them and no other concept between."""
    by_end = sorted(found, key=lambda hit: (hit.end, -hit.start))  # of phrases ending together, the longest counts as nearest
    ends = [hit.end for hit in by_end]
    live = []
    for hit in found:
        at = bisect_left(ends, hit.start) - 1  # the nearest phrase that ends before this one starts
        nearest = by_end[at] if at >= 0 else None
        negated = nearest is not None and nearest.concept == "negation" and hit.start - nearest.end <= NEGATION_REACH
        if hit.concept in ROLES or not negated:
            live.append(hit)
    return live


def _reported(flag: Hit, hits: list[Hit], parts: Clauses, rule: Rule) -> bool:
    """Whether the message reports the flag as happening to someone, rather than asking of it in general.

    Words of a crisis are taken as said of oneself unless a question word asks about them ("life isn't worth
    living with mets" is not a question about mets), and a plan or despair that has gone on for weeks is still
    present: for a crisis rule, "ongoing" times ("for weeks") do not set the words at another time.
    """
    told = [hit for hit in hits if hit.concept == "not_now" or (hit.concept == "ongoing" and not rule.crisis)]
    clause = parts.of(flag.start)
    # "if mum ever has a fit, what do I do?": another time just before the flag sets it at that time
    framed = any(clause[0] <= hit.start < flag.start <= hit.end + FRAMING_REACH for hit in told)
    overs = [hit for hit in hits if hit.concept == "over"]
    # not "nothing going on now", nor the "tonight" of "done for tonight", nor a "now" another time goes on
    # from ("what should i do if she ever has one")
    nows = [
        hit
        for hit in hits
        if hit.concept == "now"
        and not _overlaps(hit, overs)
        and not _within(hit, told)
        and not any(hit.end < other.start <= hit.end + 1 for other in told)
    ]
    if any(_tells(now, flag, told, framed) for now in nows):
        return True
    in_clause = [hit for hit in hits if clause[0] <= hit.start and hit.end < clause[1]]
    if any(hit.concept == "general" and hit.start == clause[0] < flag.start <= hit.end for hit in in_clause):
        return False  # a question that opens its clause with the flag's own words ("are seizures a known thing")
    if any(clause[0] <= hit.start < clause[1] for hit in told):
        return False  # told of another time (in words that begin in its clause: "on and off, been about 2 months")
    asking = {hit.end for hit in hits if hit.concept == "general"}
    passed = [hit for hit in overs if flag.end <= hit.start and hit.start - 1 not in asking and not rule.lasting]
    if told or passed:
        sentence = parts.of(flag.start, commas=False)
        if any(hit.start == sentence[0] for hit in told):
            return False  # another time opens its sentence ("Years ago, long before any of this, ...")
        if any(hit.concept == "ongoing" and flag.end < hit.start < sentence[1] for hit in told):
            return False  # a time running up to now told after it ("can't catch her breath, from weeks now")
        if passed:
            return False  # it has passed since ("couldn't breathe for a minute, but it passed. she's fine now")
    asked = [hit for hit in in_clause if hit.concept == "asks_of" and not flag.start <= hit.start <= flag.end]
    if rule.crisis and asked and clause[2]:
        return False  # "how do people cope when they feel suicidal?": asked about, whoever "they" are
    framing: dict[int, Hit] = {}  # by the word each ends at, the longest ("I know" before "know")
    for framed_by in in_clause:
        if framed_by.concept in ("person", "general") and framed_by.end < flag.start:
            known = framing.get(framed_by.end)
            framing[framed_by.end] = framed_by if known is None or framed_by.start < known.start else known
    for at in range(flag.start - 1, clause[0] - 1, -1):
        hit = framing.get(at)
        if hit is None:
            continue
        before = framing.get(hit.start - 1)
        if hit.concept == "general":  # a question, unless a person says it ("I could ...", not "can they cause ...")
            if before is None or before.concept != "person":
                return False
            ahead = framing.get(before.start - 1)
            return ahead is None or ahead.concept != "general"
        return before is None or before.concept != "general"  # "can I have seizures" asks; "I have" reports
    # words of a crisis count (their asking was read above); other flags told by no one are asked about, in their
    # clause or in one after it in the sentence ("and chest pain, is that one of them")
    if rule.crisis or asked or clause[2]:
        return rule.crisis  # "chest pain lung mets", "... like headaches or seizures?"
    asking_back = [hit.start for hit in hits if hit.concept == "asks_back" and hit.start >= clause[1]]
    return not asking_back or min(asking_back) >= parts.of(flag.start, commas=False)[1]


def _tells(now: Hit, flag: Hit, told: list[Hit], framed: bool) -> bool:
    """Whether a "now" tells of the flag: no other time stands between them, and a later "now" does not tell
    of a flag its clause sets at another time (`framed`; "if she ever had a fit at home what should I do")."""
    if (
        now.end < flag.start
    ):  # another time, or another's words, opening between them ("today they said coughing up blood is ...")
        return not any(now.end < other.start <= flag.start for other in told)
    return not framed
