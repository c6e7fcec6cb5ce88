"""`python -m bench [--quick] [--only SECTION ...]`: the whole benchmark suite, one table (bench/suite)."""

from __future__ import annotations

import argparse
import dataclasses

from bench.suite import FULL, QUICK, SECTIONS, machine, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: everything in about two minutes")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)})")
    parser.add_argument("--workdir", help="folder for the generated data (default: the system temp folder)")
    parser.add_argument("--rollup-large", type=int, help="events in the large rollup (full: 100,000,000)")
    parser.add_argument("--dashboard-large", type=int, help="events in the large dashboard warehouse")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.rollup_large:
        sizes = dataclasses.replace(sizes, rollup_large=args.rollup_large)
    if args.dashboard_large:
        sizes = dataclasses.replace(sizes, dash_large=args.dashboard_large)
    report = run(sizes, tuple(args.only), args.workdir)
    print(f"ServiceStat benchmarks ({'quick' if args.quick else 'full'}) on {machine()}")
    print(report.table())
    return 0 if all(r.measure != "FAILED" for r in report.rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
