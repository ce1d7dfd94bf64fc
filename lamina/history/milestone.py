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
    partial: bool = False  # passed its baseline, but short of the paper's number: the table says so
    milestone: str = ""  # the milestone that produced it (set by history.run), e.g. "backprop"

    @property
    def verdict(self) -> str:
        """'pass', 'partial' (beats the baseline that could have failed it, falls short of the paper) or 'FAIL'."""
        if not self.passed:
            return "FAIL"
        return "partial" if self.partial else "pass"


@dataclass(frozen=True)
class Milestone:
    name: str  # the CLI name, e.g. "perceptron"
    year: int
    title: str
    run: object  # run(quick: bool, out_dir: Path, seed: int) -> list[Result]


def spread(values, form="{:.2f}"):
    """'mean ± sd (n=k)' of a measurement over seeds, each number written with `form` (e.g. '{:.1%}')."""
    import numpy as np

    values = [float(v) for v in values]
    if len(values) == 1:
        return f"{form.format(values[0])} (n=1)"  # one run has no spread to show
    deviation = float(np.std(values, ddof=1))
    return f"{form.format(float(np.mean(values)))} ± {form.format(deviation)} (n={len(values)})"
