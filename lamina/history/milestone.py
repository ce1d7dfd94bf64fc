"""What a milestone is and what it reports."""

from dataclasses import dataclass, field


@dataclass
class Result:
    """One reproduced result: what was measured by lamina next to what the paper (or fact) says."""

    name: str
    year: int
    reproduced: str
    ours: str
    paper: str
    passed: bool
    pictures: list = field(default_factory=list)
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Milestone:
    name: str  # the CLI name, e.g. "perceptron"
    year: int
    title: str
    run: object  # run(quick: bool, out_dir: Path, seed: int) -> list[Result]
