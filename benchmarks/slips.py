"""How well safety reads messages typed with slips: every single-message emergency and every other single message
of the question sets in `tests/questions/`, each with two of its longer words slipped (a letter dropped, two letters
swapped round, or a letter doubled), deterministically.

    python benchmarks/slips.py [--seed 7]

Prints the share of slipped emergencies still recognised, and the share of slipped other messages taken for an
emergency. The same seed gives the same slips, so two engines can be compared.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from mbcbot.bot import Bot
from mbcbot.model import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from questionset import cases_in

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "questions"
SLIPS_PER_MESSAGE = 2
SHORTEST_SLIPPED = 5  # letters: shorter words are left as typed


def slipped(word: str, rng: random.Random) -> str:
    """The word with one slip of the keyboard."""
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice("dsr")
    if kind == "d":
        return word[:at] + word[at + 1 :]
    if kind == "s":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at] + word[at:]


def with_slips(message: str, rng: random.Random) -> str:
    said = message.split()
    long_words = [at for at, word in enumerate(said) if len(re.sub(r"\W", "", word)) >= SHORTEST_SLIPPED]
    for at in rng.sample(long_words, min(SLIPS_PER_MESSAGE, len(long_words))):
        said[at] = slipped(said[at], rng)
    return " ".join(said)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bot = Bot.load()
    emergencies = recognised = others = alarms = 0
    for path in sorted(QUESTIONS.glob("*.yaml")):
        for case in cases_in(path):
            if "turns" in case:
                continue
            expected = case["expect"] if isinstance(case["expect"], list) else [case["expect"]]
            reply, _ = bot.reply(with_slips(case["q"], rng), Session())
            if expected == ["emergency"]:
                emergencies += 1
                recognised += reply.kind == "emergency"
            elif "emergency" not in expected:
                others += 1
                alarms += reply.kind == "emergency"
    print(f"slipped emergencies recognised: {recognised}/{emergencies} = {recognised / emergencies:.1%}")
    print(f"slipped other messages taken for an emergency: {alarms}/{others} = {alarms / others:.2%}")


if __name__ == "__main__":
    main()
