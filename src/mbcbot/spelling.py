"""Spelling correction of unknown words against a known vocabulary (rapidfuzz lives here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mbcbot.text import consonants, phonetic_key, vowel_key

SHORTEST_CORRECTED = 4  # shorter words are too ambiguous to correct ("dog" is not "drug")
LONG_WORD = 8  # from this length two typing mistakes are corrected, below it one
JOINED_WORD = 7  # two words joined again make at least this many letters
SHORT_WORD = 6  # a one-letter swap in a word this short is as likely another real word ("bold", "bald")
SHORTEST_TEXT_SPEAK = 3  # a word written without its vowels ("lvr", "sprd") is read from this length


class Speller:
    """Corrects a word to the nearest known word that starts with the same letter."""

    def __init__(self, vocabulary: Iterable[str], weak: Iterable[str] = (), guarded: Iterable[str] = ()) -> None:
        """`weak` words lose ties; `guarded` words (subjects not covered) are not reached by a one-letter swap."""
        known = sorted({word for word in vocabulary if word.isalpha()})
        self.known = frozenset(known)
        self._weak = frozenset(weak)
        self._guarded = frozenset(guarded)
        self._by_sound: dict[str, str] = {}
        self._by_initial: dict[str, list[str]] = {}
        by_consonants: dict[str, list[str]] = {}
        by_vowels: dict[str, set[str]] = {}
        for word in known:
            self._by_sound.setdefault(phonetic_key(word), word)
            if len(word) > SHORT_WORD and word not in self._guarded:
                by_vowels.setdefault(vowel_key(word), set()).add(word)
            self._by_initial.setdefault(word[0], []).append(word)
            written = consonants(word)
            if written != word and word not in self._guarded:
                by_consonants.setdefault(written, []).append(word)
                by_consonants.setdefault(written + "s", []).append(word + "s")  # "orgns"
        # by ear: only a key one known word has ("ploorul" is "pleural")
        self._by_vowels = {key: next(iter(found)) for key, found in by_vowels.items() if len(found) == 1}
        # text-speak: a word with a subject before one without ("brst" is "breast", not "burst")
        self._by_consonants = {key: min(found, key=self._rank) for key, found in by_consonants.items()}

    def corrected(self, word: str) -> str:
        """The known word meant by `word`, or `word` itself when none is close."""
        if word in self.known or len(word) < SHORTEST_TEXT_SPEAK or not word.isalpha():
            return word
        if consonants(word) == word and word in self._by_consonants:  # "lvr", "sprd", "smptms"
            return self._by_consonants[word]
        if len(word) < SHORTEST_CORRECTED:
            return word
        return self._nearest(word)  # the matcher remembers each word's reading: no second cache here

    def rejoined(self, said: list[str], knows: Callable[[str], bool]) -> list[str]:
        """The words, a word split in two by a slip of the keyboard or the ear joined again when one half is
        not a word `knows` and the whole reads as a known word ("metta static" is "metastatic")."""
        known, joined, at = self.known, [], 0
        while at < len(said):
            first = said[at]
            second = said[at + 1] if at + 1 < len(said) else ""
            whole = first + second
            if second and not (knows(first) and knows(second)) and whole.isalpha() and len(whole) >= JOINED_WORD:
                fixed = self.corrected(whole)
                if fixed in known and fixed not in (first, second) and _near(whole, fixed):  # not "inject you"
                    joined.append(whole)
                    at += 2
                    continue
            joined.append(first)
            at += 1
        return joined

    def _nearest(self, word: str) -> str:
        by_sound = self._by_sound.get(phonetic_key(word))
        if by_sound and (by_sound not in self._guarded or len(word) > SHORT_WORD):  # "meen" sounds like "men"
            return by_sound
        from rapidfuzz import process  # imported on the first unknown word: most questions need none
        from rapidfuzz.distance import OSA

        budget = 2 if len(word) >= LONG_WORD else 1
        candidates = self._by_initial.get(word[0], [])
        close = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=budget, limit=None)
        close = [found for found in close if (found[1] < 2 or found[0][:2] == word[:2]) and self._allowed(word, found[0])]
        if not close:
            return self._by_vowels.get(vowel_key(word), word) if len(word) > SHORT_WORD else word
        # Equal distances: a dropped or swapped letter is the commonest slip ("livr" is "liver", not "live";
        # "ruose" is "rouse", not "rose").
        # Then a word the slides cover before a subject they do not ("meen" is "mean", not "men"), and a word
        # with a subject before a word without one ("boen" is "bone", not "been").
        ranked = sorted(close, key=lambda f: (f[1], not dropped_or_swapped(word, f[0]), *self._rank(f[0])))
        return str(ranked[0][0])

    def _rank(self, word: str) -> tuple[bool, bool, str]:
        """Between equally near words: a subject the slides cover first, then a word with a subject."""
        return word in self._guarded, word in self._weak, word

    def _allowed(self, word: str, correction: str) -> bool:
        """Whether `word` may be read as `correction`: a short word one changed letter away from a subject not
        covered is as likely another real word ("bold bones" is not about going bald); a doubled, dropped or
        swapped-round letter is a slip ("bllood", "bolod" are blood)."""
        return correction not in self._guarded or len(word) > SHORT_WORD or is_slip(word, correction)


def is_slip(word: str, correction: str) -> bool:
    """Whether `correction` mends a slip of `word` (a doubled, dropped or swapped-round letter), not a changed
    letter that may make another real word ("bllood" is blood; "wound" is not "would")."""
    return len(word) != len(correction) or sorted(word) == sorted(correction)


def _near(word: str, correction: str) -> bool:
    """Whether `correction` mends a slip of `word` or changes one letter of it ("jauntis" is "jaundis";
    "injectyou" is not "injection")."""
    return is_slip(word, correction) or sum(a != b for a, b in zip(word, correction, strict=True)) <= 1


def dropped_or_swapped(word: str, correction: str) -> bool:
    """Whether `word` is `correction` with a letter left out or two letters swapped round ("livr", "ruose")."""
    return _is_subsequence(word, correction) or sorted(word) == sorted(correction)


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(letter in letters for letter in short)
