"""Entry point of the `lamina` console script."""

import argparse
import sys

import lamina


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lamina", description="lamina: deep learning, readable and runnable.")
    parser.add_argument("--version", action="version", version=f"lamina {lamina.__version__}")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="train a tiny network with autograd and print the loss falling")
    demo.add_argument("--steps", type=_positive_int, default=1000, help="gradient-descent steps (default 1000)")
    demo.add_argument("--lr", type=_positive_float, default=0.1, help="learning rate (default 0.1)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    history = commands.add_parser("history", help="run the history of neural networks and report the results")
    history.add_argument(
        "action",
        nargs="?",
        choices=["all", "list", "run"],
        default="all",
        help="all (default): every milestone in quick mode; list; run NAME",
    )
    history.add_argument("names", nargs="*", help="milestones for 'run'")
    history.add_argument("--full", action="store_true", help="the full (slower) version of each experiment")
    history.add_argument("--out", default="history-report", help="report folder (default ./history-report)")
    history.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    history.add_argument("--strict", action="store_true", help="exit with status 1 if any result does not reproduce")
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from lamina.cli import demo

        demo.run(steps=args.steps, lr=args.lr, seed=args.seed)
        return 0
    if args.command == "history":
        from lamina.cli.history import history_command

        return history_command(args, parser)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
