"""`lamina history [list | run NAME... ] [--full] [--out DIR]`."""

import sys
from pathlib import Path


def _fail(message) -> int:
    print(f"lamina: {message}", file=sys.stderr)
    return 2


def history_command(args, parser) -> int:
    import lamina
    from lamina import history

    if args.action == "list":
        for milestone in history.MILESTONES.values():
            print(f"{milestone.name:16} {milestone.year}  {milestone.title}")
        return 0
    if args.action == "run" and not args.names:
        parser.error("history run: name at least one milestone (see `lamina history list`)")
    names = args.names if args.action == "run" else None
    if args.device != "cpu":
        other = [n for n in (names or history.MILESTONES) if n not in history.ANY_DEVICE]
        if other:
            return _fail(
                f"history --device {args.device}: {', '.join(other)} run on the CPU only (milestones for any "
                f"device: {', '.join(sorted(history.ANY_DEVICE))}); run those with --device cpu."
            )
        try:
            lamina.set_default_device(args.device)  # the milestone's layers and data are made there
        except lamina.DeviceError as error:
            return _fail(f"history: {str(error).removeprefix('lamina: ')}")
    try:
        results, timings = history.run(names, quick=not args.full, out_dir=Path(args.out), seed=args.seed)
    except KeyError as error:
        parser.error(str(error).strip("'\""))
    print()
    print(history.table(results))
    report = history.write(results, timings, Path(args.out))
    passed = sum(r.passed for r in results)
    partial = sum(r.passed and r.partial for r in results)
    short = f" ({partial} of them partial: short of the paper's number, see the table)" if partial else ""
    print(f"\n{passed}/{len(results)} results reproduced{short} in {sum(timings.values()):.0f} s; report: {report}")
    if args.html:
        print(f"in a browser: {(report.parent / 'report.html').resolve().as_uri()}")
    return 1 if args.strict and passed < len(results) else 0
