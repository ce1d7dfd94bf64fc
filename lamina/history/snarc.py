"""1951, Minsky's SNARC: 40 'synapses' whose strengths are reinforced after a run that reached the
goal learn to steer a simulated rat through a maze.

Simplified (and said so): the maze is a 5x2 grid of 10 places with 4 moves each, so exactly 40
synapses (place, move), each a strength; at each place the rat picks a move with probability
proportional to the strengths of the allowed moves (SNARC's probability knobs). After a run that
reaches the goal, every synapse used in it is strengthened, more for the moves near the goal (the
capacitors' charge decaying with time) and more after a quick run; nothing is learned from failed
runs. No gradient, no model
of the maze: reinforced Hebbian learning.
"""

import numpy as np

from lamina.history.milestone import Result
from lamina.viz.plots import curves

ROWS, COLUMNS = 2, 5
MOVES = [(-1, 0), (1, 0), (0, -1), (0, 1)]  # up, down, left, right
WALLS = {((0, 1), (1, 1)), ((0, 3), (1, 3))}  # pairs of places with no passage between them
START, GOAL = (0, 0), (1, 4)


def allowed(place, move):
    row, column = place[0] + move[0], place[1] + move[1]
    if not (0 <= row < ROWS and 0 <= column < COLUMNS):
        return False
    return (place, (row, column)) not in WALLS and ((row, column), place) not in WALLS


def shortest_path() -> int:
    frontier, seen, steps = [START], {START}, 0
    while frontier:
        if GOAL in frontier:
            return steps
        following = []
        for place in frontier:
            for move in MOVES:
                if allowed(place, move):
                    nxt = (place[0] + move[0], place[1] + move[1])
                    if nxt not in seen:
                        seen.add(nxt)
                        following.append(nxt)
        frontier, steps = following, steps + 1
    raise RuntimeError("snarc: the goal cannot be reached")


def run_trial(strengths, generator, limit=60):
    place, used = START, []
    for _ in range(limit):
        if place == GOAL:
            return used
        row, column = place
        weights = np.array([strengths[row, column, m] if allowed(place, MOVES[m]) else 0.0 for m in range(4)])
        move = generator.choice(4, p=weights / weights.sum())
        used.append((row, column, move))
        place = (row + MOVES[move][0], column + MOVES[move][1])
    return used if place == GOAL else None


def run(quick=True, out_dir=None, seed=0):
    generator = np.random.default_rng(seed)
    strengths = np.ones((ROWS, COLUMNS, 4))  # the 40 synapses
    lengths, best = [], shortest_path()
    for _ in range(300 if quick else 1000):
        path = run_trial(strengths, generator)
        lengths.append(len(path) if path is not None else 60)
        if path is not None:
            reward = (best / len(path)) ** 2  # a quicker success is a bigger reward
            for age, (row, column, move) in enumerate(reversed(path)):
                strengths[row, column, move] += reward * 0.9**age  # decaying back from the goal
    early, late = float(np.mean(lengths[:10])), float(np.mean(lengths[-20:]))
    pictures = []
    if out_dir is not None:
        pictures.append(
            curves(
                {"steps to the goal": lengths},
                out_dir / "snarc_learning.png",
                "run",
                "steps",
                "SNARC-style reinforced synapses in a 10-place maze",
                references={f"shortest path ({best} moves)": best},
            )
        )
    return [
        Result(
            "snarc",
            1951,
            f"40 reinforced synapses learn a path through a maze (shortest: {best} moves)",
            f"{early:.1f} moves per run at first, {late:.1f} at the end",
            "learns the path",
            early >= 2 * best and late <= 1.3 * best,
            pictures,
        )
    ]
