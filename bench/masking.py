"""How long masking takes on hostile input, 10 kB to 1 MB: it must grow linearly, not with the square.

Each input is one kind of text that made the old patterns rescan from every position (a run of letters
with no @, a keyword followed by spaces, digits in groups). Prints milliseconds per size and the ratio
1 MB / 100 kB (≈ 10 when linear, ≈ 100 when quadratic).
"""
from __future__ import annotations

import time

from records.privacy import mask_text

INPUTS = {
    "letters, no @": lambda n: "a" * n,
    "name + spaces": lambda n: "name\"" + " " * n,
    "digits in groups": lambda n: "1 " * (n // 2),
    "Chinese with numbers": lambda n: ("孩子电话13812345678，身份证500109201801011234，" * (n // 40 + 1))[:n],
    "叫 repeated": lambda n: "叫" * n,
}
SIZES = (10_000, 100_000, 1_000_000)


def timed(text: str) -> float:
    """Milliseconds to mask ``text`` (best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        mask_text(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    print(f"{'input':24}" + "".join(f"{n // 1000:>9} kB" for n in SIZES) + "   1MB/100kB")
    for name, make in INPUTS.items():
        times = [timed(make(n)) for n in SIZES]
        print(f"{name:24}" + "".join(f"{t:>9.1f} ms" for t in times) + f"   {times[2] / max(times[1], 1e-6):9.1f}")


if __name__ == "__main__":
    main()
