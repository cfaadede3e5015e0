"""One turn of a conversation: the priority pipeline from message to Reply.

safety (emergency, then personal advice) -> commands and small talk
-> follow-ups and matching -> not covered.
"""

from __future__ import annotations

from mbcbot.matching import MAX_TOGETHER, MIN_ASPECT_WEIGHT, MIN_COVERAGE, TIE_RATIO, Candidate, Matcher
from mbcbot.model import Knowledge, Reply, Rule, Session, Slide
from mbcbot.navigation import Navigator
from mbcbot.phrases import Hit
from mbcbot.phrases import hits as phrases_in
from mbcbot.queries import Query
from mbcbot.questions import asks, asks_anything, question_clauses, without_stories
from mbcbot.replies import Voice, titles
from mbcbot.safety import ROLES, advice_rule, attended, emergency_rule, hits, remembered, unattended
from mbcbot.smalltalk import intent_beside_clauses, intent_of
from mbcbot.spelling import is_slip
from mbcbot.text import clauses, normalised, pieces, plain, rewritten, words

MAX_OFFERED = 8  # slides a clarifying question offers at most
MAX_SAFETY_CHARS = 100_000  # of a message over the length limit, safety reads this much: bounded time for any input
SHORT_QUESTION_WORDS = 5  # a clause this short that points back ("does it hurt?") asks of what came just before


class Dialogue:
    """Answers one message in a session; holds no per-conversation state itself."""

    def __init__(self, knowledge: Knowledge, emergency_number: str | None = None, matcher: Matcher | None = None) -> None:
        self.knowledge = knowledge
        self.rules = knowledge.conversation
        self.matcher = matcher or Matcher(knowledge)
        self.voice = Voice(knowledge, emergency_number or self.rules.emergency_number)
        self.navigator = Navigator(knowledge, self.voice, self.matcher)
        self.slides = knowledge.slides

    def reply(self, message: str, session: Session) -> tuple[Reply, Session]:
        """The reply to `message` and the session after it."""
        shown_whole, session = session.whole, session._replace(turns=session.turns + 1, whole=False)
        if len(message) > self.rules.max_message_chars:  # safety reads it all the same (a bounded part of a huge one)
            too_long = self.voice.simple("fallback", "too_long", "input:too-long", max_chars=self.rules.max_message_chars)
            return self.emergency(message, session.context) or too_long, session
        text = normalised(self._typed(message))
        flat = plain(text)
        if not flat:
            rule = "input:empty" if not text else "input:not-understood"
            return self.voice.simple("fallback", "empty" if not text else "not_understood", rule), session
        found = hits(self.knowledge.safety, text)
        declined = self._safety(text, flat, found, session)
        session = session._replace(context=tuple(sorted(remembered(self.knowledge.safety, found).union(session.context))))
        if declined is not None:
            safety, related = declined
            if related is not None:  # "is that her liver?" declined: "what's it called?" still asks of the liver
                return safety, session._replace(alert="", pack=related.pack, subject=related.number)
            return safety, session._replace(alert=safety.rule.partition(":")[2] if safety.kind == "emergency" else "")
        alert, session = session.alert, session._replace(alert="")
        reply, after = self._read(text, flat, session, shown_whole)
        read_on = reply.kind in ("fallback", "clarify") or reply.rule == "match"  # not small talk or a command
        if alert and read_on and not asks_anything(text, self.rules) and not (attended(found) and reply.kind == "answer"):
            again = self._again(alert)  # "she'll lie down and see if it passes", "it's stopped": not moving on
            if again is not None:
                return again, after._replace(alert=alert)
        answered = self._alert_rule(alert) if reply.kind == "goodbye" else None
        if answered is not None and answered.crisis:  # "thank you for everything, goodbye" after words of a crisis
            return self.voice.emergency(answered.id, answered.crisis), after._replace(alert=alert)
        return reply, after

    def _read(self, text: str, flat: str, session: Session, shown_whole: bool) -> tuple[Reply, Session]:
        """The reply to a message that is not an emergency: small talk, navigation, an answer or a fallback."""
        rest = self._asked(flat)
        talk = phrases_in(self.rules.intents, flat)  # the small-talk phrases, read once
        for said in dict.fromkeys((flat, self._led_in(flat), rest)):
            handled = self._command_or_intent(said, session, shown_whole, talk if said == flat else None)
            if handled is not None:
                return handled
        last = plain(clauses(text)[-1])  # a command after a story: "she's in A&E now. what was slide 1 about"
        for said in dict.fromkeys((last, self._led_in(last), self._asked(last))) if last != flat else ():
            command = self.navigator.command(said, session._replace(whole=shown_whole))
            if command is not None and command[0].rule not in ("command:more", "command:onward"):  # not "anything else?"
                return command
        handled = self._intent(intent_beside_clauses(self.rules, self.matcher, text, talk), session)
        if handled is not None:
            return handled[0], self._told_of(rest, handled[1]) if handled[0].kind == "greeting" else handled[1]
        query = self.matcher.query(rest)
        if query.corrections:  # "previus", "thnx": a command or small talk once its spelling is mended
            mended = " ".join(dict(query.corrections).get(word, word) for word in rest.split())
            handled = self._command_or_intent(self._asked(mended), session, shown_whole)
            if handled is not None:
                return handled
        reply, after = self._answer(query, session)
        if reply.kind == "answer":
            narrowed = self._one_asked(text, rest, query, reply, session)
            if narrowed is not None:
                return narrowed
        if reply.kind == "fallback":  # a story and a question: the question's clause alone may be answered
            uncovered = query.not_covered  # and the part about an uncovered subject is named
            names_uncovered = (lambda said: bool(self.matcher.query(said).not_covered)) if uncovered else None
            # last, the message without its story about the uncovered subject ("i don't use computers. what does
            # metastatic mean?"), which names what it asks of (`without_stories`)
            kept = (
                without_stories(text, self.rules, self.matcher.query, self._names_something, self.matcher.named)
                if uncovered
                else ""
            )
            if kept and not any(plain(clause) in kept for clause in question_clauses(text, self.rules)):
                kept = ""  # what is left is story alone: the question was about the uncovered subject
            unpremised = plain(self.rules.premise.sub(" ", rest))  # "will they do chemo [when it's gone elsewhere]"
            subjects = self.matcher.of_subjects(query)  # "it's in her spine. what symptoms?": asked of the spine's slide
            within = session._replace(pack=subjects[0].pack, subject=subjects[0].number) if len(subjects) == 1 else session
            for clause in [unpremised, *question_clauses(text, self.rules, names_uncovered), kept]:
                said = self._asked(clause)
                if said == rest or not said:
                    continue
                asked = self.matcher.query(said)
                if uncovered and (asked.not_covered or not (clause == kept or self._names_something(asked, said))):
                    continue  # "has kidney disease, is that from the cancer?": about the uncovered subject
                if uncovered and clause != kept and self._asks_back(said, asked):
                    continue  # "how is radiation done, does it hurt?": asked of the uncovered part
                pointed = session if self.rules.pointing.search(said) and uncovered else within  # not "went blind. can it?"
                answered, answered_after = self._answer(asked, pointed, uncovered, in_pack=pointed is not session)
                if answered.kind == "answer":
                    return answered, answered_after
            told = self._told_one(query, text, rest)
            if told is not None:  # "my mum has just found out it's in her liver": what its slide says
                return self._quoted([told], query), after._replace(pack=told.pack, slide=told.number, subject=told.number)
        return reply, after

    def _command_or_intent(
        self, said: str, session: Session, shown_whole: bool, talk: list[Hit] | None = None
    ) -> tuple[Reply, Session] | None:
        """The reply to a navigation command or small talk said whole, if it is one."""
        command = self.navigator.command(said, session._replace(whole=shown_whole))
        return command or self._intent(intent_of(self.rules, said, talk), session)

    def _one_asked(self, text: str, rest: str, query: Query, reply: Reply, session: Session) -> tuple[Reply, Session] | None:
        """The answer to the question alone, when it asks what a word means and points back at nothing ("it's in
        her bones and liver. what does metastatic mean?"), or when the whole message is answered from the slides of
        subjects it names and the question names one subject: one of them ("it's in her lungs and liver. what
        symptoms for the lungs?") or another ("it has spread to her bone. what is the treatment for it?")."""
        told = {slide.number for slide in self.matcher.named(query)}
        defining = bool(self.rules.defining.search(rest))
        if not defining and not set(reply.slides) <= told:
            return None  # most messages: read no further
        clause = next(iter(question_clauses(text, self.rules)), "")  # the question asked last
        said = self._asked(clause)
        if not said or said == rest or not asks(clause, self.rules):
            return None
        asked = self.matcher.query(said)
        if asked.not_covered or not asked.known:
            return None
        if defining and self.rules.defining.search(said) and not self.rules.pointing.search(said):
            answered, after = self._answer(asked, session)
            return (answered, after) if answered.kind == "answer" else None
        named = self.matcher.named(asked)
        if not set(reply.slides) <= told or len(named) != 1:
            return None
        answered, after = self._answer(asked, session)
        return (answered, after) if answered.kind == "answer" and answered.slides[:1] == (named[0].number,) else None

    def _told_one(self, query: Query, text: str, said: str) -> Slide | None:
        """The one slide named by a message that tells of someone and asks nothing, if it names one."""
        if query.not_covered or not self.rules.telling.match(said) or asks_anything(text, self.rules):
            return None
        named = self.matcher.named(query)
        return named[0] if len(named) == 1 else None

    def explained(self, message: str, session: Session) -> dict[str, object]:
        """Why a message gets its reply: the words read, their weights, the slides scored."""
        flat = plain(normalised(self._typed(message[: self.rules.max_message_chars])))
        rest = self._asked(flat)
        query = self.matcher.query(rest)
        ranked = self.matcher.ranked(query, self.navigator.current(session))
        return {
            "read": rest,
            "corrections": [f"{a} -> {b}" for a, b in query.corrections],
            "weights": {term: round(weight, 3) for term, weight in query.weights.items()},
            "unknown": list(query.unknown),
            "not_covered": list(query.not_covered),
            "candidates": [
                {
                    "slide": c.slide.number,
                    "title": c.slide.title,
                    "score": round(c.score, 3),
                    "coverage": round(c.coverage, 3),
                    "matched": list(c.matched),
                }
                for c in ranked[:5]
            ],
            "min_coverage": MIN_COVERAGE,
        }

    def emergency(self, message: str, context: tuple[str, ...] = ()) -> Reply | None:
        """The emergency reply when a message reports an emergency or a crisis, else None; `context`: the concepts the
        conversation remembers. A long message is read in `pieces`, as messages in a row that know what all remember."""
        texts = [normalised(self._typed(piece)) for piece in pieces(message[:MAX_SAFETY_CHARS], self.rules.max_message_chars)]
        found = [hits(self.knowledge.safety, text) for text in texts]
        context = tuple(set(context).union(*(remembered(self.knowledge.safety, each) for each in found)))
        rules = (self._emergency_rule(text, plain(text), each, context) for text, each in zip(texts, found, strict=True))
        rule = next((rule for rule in rules if rule is not None), None)
        return self.voice.emergency(rule.id, rule.crisis) if rule is not None else None

    def _emergency_rule(self, text: str, flat: str, found: list[Hit], context: tuple[str, ...] = ()) -> Rule | None:
        """The emergency rule the message reports, read as typed and then with its spelling corrected."""
        safety = self.knowledge.safety
        rule = emergency_rule(safety, text, found, context)  # clause breaks are read from the punctuation
        if rule is None:
            said = words(flat)
            if [self.matcher.corrected(word) for word in said] == said:  # nothing to mend: most messages
                return None
            corrected = rewritten(text, self.matcher.corrected)  # punctuation kept: the clauses read as typed
            return emergency_rule(safety, corrected, hits(safety, corrected), context)
        mended = rewritten(text, self._slip_mended)
        if plain(mended) == flat:
            return rule
        fixed = hits(safety, mended)
        flags = {hit.concept for hit in found if hit.concept not in ROLES}
        if flags <= {hit.concept for hit in fixed} and emergency_rule(safety, mended, fixed, context) is None:
            return None  # the same red flags, asked about once a slip is mended ("one of the siggns of it")
        return rule

    def _slip_mended(self, word: str) -> str:
        """The word with a slip mended, else as typed."""
        fixed = self.matcher.corrected(word)
        return fixed if is_slip(word, fixed) else word

    def _safety(self, text: str, flat: str, found: list[Hit], session: Session) -> tuple[Reply, Slide | None] | None:
        """The emergency or advice reply a message gets before anything else, if any, with the slide an advice
        reply points to (None for an emergency)."""
        rule = self._emergency_rule(text, flat, found, session.context)
        if rule is not None and session.alert and attended(found) and self._told_on(text, flat):
            rule = (
                None if rule.id == session.alert else self._emergency_rule(text, flat, unattended(found, text), session.context)
            )
        if rule is not None:  # not the one in hand, nor what help is seeing to, told beside a question or thanks
            return self.voice.emergency(rule.id, rule.crisis), None
        again = self._again(session.alert) if any(hit.concept == "still_urgent" for hit in found) else None
        if again is not None:  # "just wait till morning?", after an emergency
            return again, None
        rule = advice_rule(self.knowledge.safety, text, found)
        return self._advice(rule.id, flat) if rule is not None else None

    def _told_on(self, text: str, flat: str) -> bool:
        """Whether a message goes on past its news: it asks something, or closes with thanks or a goodbye."""
        return asks_anything(text, self.rules) or self.rules.closing.search(flat) is not None

    def _alert_rule(self, alert: str) -> Rule | None:
        """The emergency rule the last reply answered (`alert`, its id), if any."""
        return next((rule for rule in self.knowledge.safety.emergency if rule.id == alert), None) if alert else None

    def _again(self, alert: str) -> Reply | None:
        """The emergency reply once more, for a follow-up to the emergency rule `alert` (if it is one)."""
        rule = self._alert_rule(alert)
        return self.voice.emergency(rule.id, rule.crisis) if rule is not None else None

    def _advice(self, rule_id: str, flat: str) -> tuple[Reply, Slide | None]:
        """The advice reply, pointing to the slide on the subject the message names, if one (later questions are
        then about it), else to the slide it reads closest to."""
        query = self.matcher.query(flat)
        named = self.matcher.named(query)
        related = [c.slide for c in _chosen(self.matcher.ranked(query))[:1]]
        hints = (self.voice.line("advice_related", titles=titles(related)),) if related else ()
        lines = (self.voice.line("advice"), *hints)
        return Reply(
            kind="advice",
            text=" ".join(lines),
            lines=lines,
            hints=hints,
            rule=f"advice:{rule_id}",
            notice=self.voice.line("notice"),
            suggestions=tuple(s.title for s in related),
        ), (named[0] if len(named) == 1 else None)

    def _intent(self, intent: str | None, session: Session) -> tuple[Reply, Session] | None:
        """The reply to a small-talk intent, if any."""
        if intent is None:
            return None
        if intent == "sources":
            return self.voice.sources(), session
        suggestions = self.navigator.titles if intent in ("greeting", "help") else ()
        return self.voice.simple(intent, intent, f"intent:{intent}", suggestions), session

    def _told_of(self, said: str, session: Session) -> Session:
        """The session after a greeting telling of one subject ("hi, my sister has brain mets"): later questions are about it."""
        named = self.matcher.named(self.matcher.query(said))
        return session._replace(pack=named[0].pack, subject=named[0].number) if len(named) == 1 else session

    def _asks_back(self, said: str, query: Query) -> bool:
        """Whether a short clause points back at what came before and names no slide's subject ("does it hurt?")."""
        short = len(said.split()) <= SHORT_QUESTION_WORDS
        return short and bool(self.rules.pointing.search(said)) and self.matcher.titled.isdisjoint(query.known)

    def _names_something(self, query: Query, said: str) -> bool:
        """Whether a clause names a slide's subject, or a word few slides hold unless it asks of what came before."""
        if query.known and not self.rules.pointing.search(said):  # "what does metastatic mean?" stands alone
            return True
        if self.rules.referring.match(said):  # "is that common?": only a slide's name ("is that in the liver?")
            return not self.rules.comparing.search(said) and not self.matcher.titled.isdisjoint(query.known)
        return _telling(query, query.known) or not self.matcher.subjects.isdisjoint(query.known)

    def _typed(self, message: str) -> str:
        """The message with the punctuation voice typing wrote out as words ("comma", "full stop") as marks."""
        marks = self.rules.marks
        lowered = message.lower()
        if not any(spoken in lowered for spoken in marks):  # most messages: one scan for each word, no pattern
            return message
        return self.rules.dictated.sub(lambda spoken: marks[" ".join(spoken.group().lower().split())], message)

    def _led_in(self, said: str) -> str:
        """A message or clause without the courtesy and navigation words it opens with ("ok, can you show me")."""
        return self.rules.lead_ins.sub("", said).strip() or said

    def _asked(self, said: str) -> str:
        """A message or clause without its courtesy and navigation words ("ok, can we go back to the liver one")."""
        rest = self._led_in(said)
        return self.rules.trail_offs.sub("", rest).strip() or rest

    def _answer(
        self, query: Query, session: Session, uncovered: tuple[str, ...] = (), in_pack: bool = False
    ) -> tuple[Reply, Session]:
        """The answer to `query`, naming any `uncovered` subjects the rest asked about; `in_pack`: from the pack in hand."""
        # a follow-up naming no subject is about the subject asked last, else the slide in hand
        current = self.navigator.slide_at(session.pack, session.subject) or self.navigator.current(session)
        pack = current.pack if in_pack and current is not None else None  # the subject its own story names
        query = self.matcher.read_by_pack(query, pack) if pack else query
        ranked = self.matcher.ranked(query, current, pack)
        chosen = self.matcher.each_subject(ranked, query) or _chosen(ranked)
        if current is not None and not uncovered and self._stays(current, query, ranked, chosen):
            return self._quoted([current], query), session._replace(slide=current.number)
        named = [term for term in query.known if term in self.matcher.titled and term in query.read]  # as typed
        if chosen and named:  # "can liver mets make you confused?": the slide on confusion says nothing of the liver
            subjects = self.matcher.subjects
            holding = [c for c in ranked if any(term in c.matched for term in named) or subjects.intersection(c.matched)]
            chosen = [c for c in chosen if c in holding] or _chosen(holding)  # a slide that holds it, if one covers enough
        chosen = chosen or self.matcher.scoped(ranked, query)
        if not chosen:
            return self._fallback(query, ranked), session
        if len(chosen) > MAX_TOGETHER or (len(chosen) > 2 and not chosen[0].names_subject):
            return self.voice.clarify([c.slide for c in chosen[:MAX_OFFERED]]), session
        best = chosen[0].slide
        uncovered = tuple(dict.fromkeys(query.not_covered + uncovered))
        reply = self._quoted([c.slide for c in chosen], query, self.matcher.also_on(chosen, ranked, query), uncovered)
        named_slides = [slide for slide in self.matcher.named(query) if slide.pack == best.pack]
        subject = named_slides[0].number if len(named_slides) == 1 else 0
        return reply, session._replace(pack=best.pack, slide=best.number, subject=subject)

    def _stays(self, current: Slide, query: Query, ranked: list[Candidate], chosen: list[Candidate]) -> bool:
        """Whether a follow-up naming no subject of its own is about the slide in hand: it holds a telling word
        asked ("does it hurt?"), or nothing else answers and nothing else was asked ("is that the same for everyone?")."""
        if query.unknown or query.not_covered or not self.matcher.subjects.isdisjoint(query.known):
            return False
        if any(c.slide == current for c in chosen):
            return True
        if len(chosen) == 1:  # another slide answers it well: "could it go to the pancreas?" is slide 2's
            return False
        if len(chosen) > 2:  # "does it hurt?": asked of the slide in hand, not of every slide that says "pain"
            return True
        own = next((c for c in ranked if c.slide == current), None)
        return (own is not None and _telling(query, own.matched)) or (not query.known and not chosen)

    def _quoted(
        self, slides: list[Slide], query: Query, also: list[Slide] | None = None, uncovered: tuple[str, ...] = ()
    ) -> Reply:
        """The answer quoting what each slide says to `query`, with where else it is said and what it leaves out."""
        blocks = [(slide, self.matcher.quotes(slide, query)) for slide in slides]
        partial = any(" ".join(quotes) != slide.text for slide, quotes in blocks)  # not the whole slide
        hints = (self.voice.line("more_hint"),) if partial and len(blocks) == 1 else ()
        extra = list(hints)
        if also:
            names = ", ".join(self.voice.line("slide_name", title=s.title, number=s.number) for s in also)
            extra.append(self.voice.line("also_on", titles=names))
        suggestions = self.navigator.next_suggestions(slides[0])
        return self.voice.quoting("answer", blocks, extra, "match", suggestions, hints, uncovered)

    def _fallback(self, query: Query, ranked: list[Candidate]) -> Reply:
        if not (query.not_covered or query.known or query.unknown):
            if len({word for word in query.read if word.isalpha()}) > 1:  # "my mum", "what about it?": ask for more
                return self.voice.simple("clarify", "say_more", "clarify:say-more", self.navigator.titles)
            lines = [self.voice.line("not_understood")]  # "hmm", "a a a", "{{7*7}}"
        elif query.not_covered:
            lines = [self.voice.line("fallback_topic", topic=self.voice.topic_names(query.not_covered))]
        else:
            lines = [self.voice.line("fallback")]
        near = [c.slide for c in ranked[:3]] or list(self.slides[:MAX_OFFERED])  # sharing a word with it, else the topics
        return self.voice.fallback(lines, near, query.not_covered)


def _telling(query: Query, terms: tuple[str, ...]) -> bool:
    """Whether any of the query's `terms` is a telling word: one few slides hold ("hurt", not "cancer")."""
    return any(query.weights[term] >= MIN_ASPECT_WEIGHT for term in terms)


def _chosen(ranked: list[Candidate]) -> list[Candidate]:
    """The slides that answer: the best if it covers enough, with any near ties, best score first (the slide
    titled by the subject asked, "Bones", before the list of places that also names it)."""
    covering = [c for c in ranked if c.coverage >= MIN_COVERAGE]
    return [c for c in covering if c.score >= TIE_RATIO * covering[0].score]
