"""Writes examples/data/sentences-{calibration,evaluation}.txt: English
example sentences from the WordNet 3.0 database (Debian package
`wordnet-base`, files /usr/share/wordnet/data.{noun,verb,adj,adv}).

WordNet glosses carry usage examples in double quotes. The selection is
deterministic: quoted examples of 40 to 140 characters that form a sentence
of at least seven words, deduplicated, ordered by the SHA-1 of their text,
the first COUNT taken; then alternately assigned to the calibration half
(even positions) and the evaluation half (odd positions).

    python examples/data/make_sentences.py [--wordnet /usr/share/wordnet]
"""

import argparse
import hashlib
import pathlib
import re

COUNT = 400
PARTS = ("noun", "verb", "adj", "adv")


def collect(wordnet: pathlib.Path) -> list[str]:
    found = set()
    quoted = re.compile(r'"([^"]{40,140})"')
    for part in PARTS:
        for line in (wordnet / f"data.{part}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):  # license header
                continue
            gloss = line.partition("| ")[2]
            for text in quoted.findall(gloss):
                text = " ".join(text.split())
                if len(text.split()) >= 7 and text[0].isalpha():
                    found.add(text[0].upper() + text[1:])
    return sorted(found, key=lambda s: hashlib.sha1(s.encode()).hexdigest())[:COUNT]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=pathlib.Path, default=pathlib.Path("/usr/share/wordnet"))
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent)
    args = parser.parse_args()
    sentences = collect(args.wordnet)
    if len(sentences) < COUNT:
        raise SystemExit(f"{args.wordnet}: only {len(sentences)} example sentences found")
    (args.out / "sentences-calibration.txt").write_text("\n".join(sentences[0::2]) + "\n")
    (args.out / "sentences-evaluation.txt").write_text("\n".join(sentences[1::2]) + "\n")


if __name__ == "__main__":
    main()
