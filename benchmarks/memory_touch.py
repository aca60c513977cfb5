"""How much it costs this machine to touch memory for the first time, against reusing it.

On a virtual machine whose host reclaims the guest's free memory (free page reporting,
ballooning), a page the process touches after a pause is backed again by the host: first
touch costs far more than reusing memory just freed. Large benchmark sizes allocate more
new memory (their inputs and results are larger), so this cost explains part of how
times grow with size on such a machine. Usage::

    python benchmarks/memory_touch.py            # 2 GiB, pauses of 0 and 5 s
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def touch(n_bytes: int) -> float:
    """Seconds to allocate `n_bytes` and write one byte per 4 KiB page."""
    start = time.perf_counter()
    block = np.empty(n_bytes, dtype=np.uint8)
    block[::4096] = 1
    seconds = time.perf_counter() - start
    del block
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=2.0)
    parser.add_argument("--pause", type=float, default=5.0,
                        help="seconds to wait before touching again (host reclaims)")
    args = parser.parse_args()
    n = int(args.gib * 2**30)
    first = touch(n)
    again = touch(n)
    time.sleep(args.pause)
    after_pause = touch(n)
    print(f"{args.gib:g} GiB: first touch {first:.2f} s, touched again at once {again:.2f} s, "
          f"after a {args.pause:g} s pause {after_pause:.2f} s")


if __name__ == "__main__":
    main()
