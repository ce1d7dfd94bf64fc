"""lamina.multiprocessing (torch.multiprocessing): the standard module's names and spawn."""

import multiprocessing

import pytest
from spawn_targets import fail_on_one, write_rank

import lamina.multiprocessing as mp


def test_spawn_runs_fn_with_each_rank_and_the_arguments(tmp_path):
    mp.spawn(write_rank, args=(str(tmp_path),), nprocs=2)
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["0", "1"]
    assert mp.Queue is multiprocessing.Queue and mp.cpu_count() >= 1


def test_spawn_names_the_process_that_failed(tmp_path):
    with pytest.raises(mp.ProcessRaisedException, match="process 1 exited with code 3"):
        mp.spawn(fail_on_one, nprocs=2)
