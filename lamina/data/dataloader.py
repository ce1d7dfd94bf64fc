"""DataLoader: batches from a dataset, in order, optionally loaded by worker threads or processes.

Batch i always goes to worker i % num_workers, which loads its batches in order into its own
queue; the loader reads the queues round-robin, so batches come out in sampler order however
the workers race. Every failure is answered: an exception in a worker is re-raised (same type
where possible) naming the worker and the sample index; a worker process that dies is reported
with a hint; `timeout` bounds every wait.
"""

import builtins
import importlib
import multiprocessing
import queue
import signal
import threading
import time
from multiprocessing.reduction import ForkingPickler

from lamina.data.collate import default_collate
from lamina.data.dataset import IterableDataset
from lamina.data.pinning import pin_batch, pinning_available
from lamina.data.rng import generator_for, set_rng
from lamina.data.sampler import BatchSampler, RandomSampler, SequentialSampler
from lamina.data.worker import (
    Failure,
    SampleFailed,
    WorkerInfo,
    capture_failure,
    collate,
    fetch_batch,
    set_worker_info,
)
from lamina.errors import DataError, WorkerError

_POLL_SECONDS = 0.05  # how often a wait checks that the workers are alive


class DataLoader:
    """Iterate over batches of `dataset`.

    Args:
        dataset: a Dataset (map-style) or IterableDataset (stream).
        batch_size, shuffle, drop_last: as PyTorch; the last short batch is kept unless drop_last.
        sampler / batch_sampler: custom index order (map-style only).
        collate_fn: list of samples -> batch (default_collate stacks tensors and arrays).
        num_workers: 0 loads in the calling thread; n > 0 starts n workers.
        worker_type: "thread" (default: works everywhere, notebooks included) or "process".
        prefetch_factor: batches queued ahead per worker.
        persistent_workers: keep the workers between epochs.
        timeout: seconds to wait for a batch before raising (0 = wait as long as the workers live).
        seed: fixes the shuffle order and every augmentation (None: drawn from lamina.manual_seed's
            generator); the same seed gives the same batches whatever num_workers is.
        worker_init_fn: called with the worker id at the start of each worker.
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=False,
        sampler=None,
        batch_sampler=None,
        drop_last=False,
        collate_fn=None,
        num_workers=0,
        worker_type="thread",
        prefetch_factor=2,
        persistent_workers=False,
        timeout=0,
        seed=None,
        worker_init_fn=None,
        generator=None,
        pin_memory=False,
        pin_memory_device="",
        multiprocessing_context=None,
        in_order=True,
    ):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative integer; got {num_workers!r}.")
        if worker_type not in ("thread", "process"):
            raise ValueError(f"DataLoader: worker_type must be 'thread' or 'process'; got {worker_type!r}.")
        if timeout < 0 or prefetch_factor < 1:
            raise ValueError("DataLoader: timeout must be >= 0 and prefetch_factor >= 1.")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers needs num_workers > 0.")
        self.dataset, self.collate_fn = dataset, collate_fn or default_collate
        self.num_workers, self.worker_type, self.prefetch_factor = num_workers, worker_type, prefetch_factor
        self.persistent_workers, self.timeout, self.worker_init_fn = persistent_workers, timeout, worker_init_fn
        # generator= (a lamina.Generator, PyTorch's argument) seeds the loader as seed= does; the
        # multiprocessing options are accepted for PyTorch's callers; pin_memory pins where a GPU answers
        self.pin_memory = pinning_available(pin_memory)
        if seed is None and generator is not None:
            from lamina.random import seed_from

            seed = seed_from(generator)
        self.seed = int(seed) if seed is not None else int(generator_for(None, "loader").integers(2**62))
        self.is_stream = isinstance(dataset, IterableDataset)
        self.batch_size, self.drop_last = batch_size, drop_last
        if self.is_stream:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError(
                    "DataLoader: an IterableDataset has no indices; shuffle, sampler and batch_sampler "
                    "cannot be used (shuffle inside the stream instead)."
                )
            self.batch_sampler = None
        elif batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler and drop_last."
                )
            self.batch_sampler = batch_sampler
        else:
            if shuffle and sampler is not None:
                raise ValueError("DataLoader: sampler is mutually exclusive with shuffle.")
            if sampler is None:
                sampler = RandomSampler(dataset, seed=self.seed) if shuffle else SequentialSampler(dataset)
            self.batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.epoch, self._batches_done, self._skip = 0, 0, 0
        self._pool = None

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        if hasattr(self.dataset, "__len__"):
            size = len(self.dataset)
            return size // self.batch_size if self.drop_last else -(-size // self.batch_size)
        raise TypeError("DataLoader: this IterableDataset has no length.")

    # --- resumable position ---
    def state_dict(self) -> dict:
        """Where the loader is: the epoch under way and how many of its batches were handed out."""
        return {"seed": self.seed, "epoch": self.epoch, "batches_done": self._batches_done}

    def load_state_dict(self, state: dict):
        """The next iteration continues that epoch after its batches_done batches (none loaded twice)."""
        self.seed, self.epoch, self._skip = state["seed"], state["epoch"], state["batches_done"]
        if isinstance(getattr(self.batch_sampler, "sampler", None), RandomSampler):
            self.batch_sampler.sampler.seed = self.seed

    # --- iteration ---
    def __iter__(self):
        epoch, skip = self.epoch, self._skip
        self._skip, self._batches_done = 0, skip
        batches = self._stream_batches(epoch, skip) if self.is_stream else self._map_batches(epoch, skip)
        try:
            for batch in batches:
                self._batches_done += 1
                yield pin_batch(batch) if self.pin_memory else batch
        finally:
            batches.close()
            if not self.persistent_workers:
                self._shutdown()
        self.epoch, self._batches_done = epoch + 1, 0

    def _map_batches(self, epoch, skip):
        if hasattr(self.batch_sampler, "set_epoch"):
            self.batch_sampler.set_epoch(epoch)
        all_batches = list(self.batch_sampler)
        if not all_batches:
            raise DataError(
                f"DataLoader: the dataset yields no batch (len {len(self.dataset)}, batch_size "
                f"{self.batch_size}, drop_last {self.drop_last}); an epoch would be empty."
            )
        numbered = list(enumerate(all_batches))[skip:]
        if self.num_workers == 0:
            for number, indices in numbered:
                yield self._fetch_here(indices, epoch, number)
            return
        pool = self._start_pool()
        ahead = self.prefetch_factor * self.num_workers
        for number, indices in numbered[:ahead]:
            pool.submit(number % self.num_workers, ("map", number, indices, epoch))
        for position, (number, _) in enumerate(numbered):
            if position + ahead < len(numbered):
                later, later_indices = numbered[position + ahead]
                pool.submit(later % self.num_workers, ("map", later, later_indices, epoch))
            yield pool.receive(number % self.num_workers, f"batch {number}")

    def _fetch_here(self, indices, epoch, number):
        try:
            return fetch_batch(self.dataset, indices, self.collate_fn, self.seed, epoch, number)
        except SampleFailed as failed:
            raise _reraise(capture_failure(failed.error, None, failed.index)) from failed.error

    def _stream_batches(self, epoch, skip):
        if self.num_workers == 0:
            set_worker_info(None)
            batches = _stream(self.dataset, self.batch_size, self.drop_last, self.collate_fn, self.seed, epoch, 0)
        else:
            pool = self._start_pool()
            for worker in range(self.num_workers):
                pool.submit(worker, ("stream", epoch, self.batch_size, self.drop_last))
            batches = pool.receive_streams()
        for number, batch in enumerate(batches):
            if number >= skip:  # a resumed stream skips the batches it already handed out
                yield batch

    # --- workers ---
    def _start_pool(self):
        if self._pool is None:
            self._pool = _WorkerPool(self)
        return self._pool

    def _shutdown(self):
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __del__(self):
        try:
            self._shutdown()
        except Exception:
            pass


def _stream(dataset, batch_size, drop_last, collate_fn, seed, epoch, worker_id):
    """Batches of a stream as this worker sees it (the dataset shards itself with get_worker_info)."""
    buffer, number = [], 0
    set_rng(generator_for(seed, "stream", epoch, worker_id, number))
    for sample in dataset:
        buffer.append(sample)
        if len(buffer) == batch_size:
            yield collate(buffer, collate_fn, None)
            buffer, number = [], number + 1
            set_rng(generator_for(seed, "stream", epoch, worker_id, number))
    if buffer and not drop_last:
        yield collate(buffer, collate_fn, None)


def _worker_loop(worker_id, num_workers, dataset, collate_fn, seed, init_fn, tasks, results, stop, in_process):
    """The body of a worker thread or process: take tasks, put ('ok', batch) or ('error', Failure)."""
    set_worker_info(WorkerInfo(worker_id, num_workers, seed, dataset))

    def put(item, where=None):
        if in_process and item[0] == "ok":
            # NOTE: a process queue pickles in a background thread that drops what it cannot pickle, and the
            # loader would wait forever; so the batch is pickled here, where a failure can still be reported
            try:
                item = ("pickled", bytes(ForkingPickler.dumps(item[1])))  # (dumps gives a memoryview)
            except Exception as error:
                item = ("error", capture_failure(_unpicklable(error), worker_id, where))
        while not stop.is_set():
            try:
                results.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue

    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception as error:
            put(("error", capture_failure(error, worker_id, "worker_init_fn")))
            return
    while not stop.is_set():
        try:
            task = tasks.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            continue
        if task is None:
            return
        if task[0] == "map":
            _, number, indices, epoch = task
            try:
                put(("ok", fetch_batch(dataset, indices, collate_fn, seed, epoch, number)), indices)
            except SampleFailed as failed:
                put(("error", capture_failure(failed.error, worker_id, failed.index)))
            except BaseException as error:
                put(("error", capture_failure(error, worker_id, indices)))
        else:
            _, epoch, batch_size, drop_last = task
            try:
                for batch in _stream(dataset, batch_size, drop_last, collate_fn, seed, epoch, worker_id):
                    put(("ok", batch), "a stream batch")
                put(("end", None))
            except BaseException as error:
                put(("error", capture_failure(error, worker_id, "a stream sample")))


class _WorkerPool:
    """num_workers threads or processes, each with its own task queue and bounded result queue."""

    def __init__(self, loader):
        self.kind, self.count, self.timeout = loader.worker_type, loader.num_workers, loader.timeout
        if self.kind == "process":
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            make_queue, self.stop, start = context.Queue, context.Event(), context.Process
        else:
            make_queue, self.stop, start = queue.Queue, threading.Event(), threading.Thread
        size = loader.prefetch_factor + 1
        self.tasks = [make_queue() for _ in range(self.count)]
        self.results = [make_queue(maxsize=size) for _ in range(self.count)]
        self.workers = []
        for worker_id in range(self.count):
            worker = start(
                target=_worker_loop,
                daemon=True,
                args=(
                    worker_id,
                    self.count,
                    loader.dataset,
                    loader.collate_fn,
                    loader.seed,
                    loader.worker_init_fn,
                    self.tasks[worker_id],
                    self.results[worker_id],
                    self.stop,
                    self.kind == "process",
                ),
            )
            worker.start()
            self.workers.append(worker)

    def submit(self, worker_id, task):
        self.tasks[worker_id].put(task)

    def receive(self, worker_id, what):
        """The next result of one worker; raises on a failure, a dead worker or the timeout."""
        started = time.monotonic()
        while True:
            try:
                kind, payload = self.results[worker_id].get(timeout=_POLL_SECONDS)
            except queue.Empty:
                self._check_alive(worker_id)
                if self.timeout and time.monotonic() - started > self.timeout:
                    raise WorkerError(
                        f"DataLoader timed out after {self.timeout} seconds waiting for {what} from worker {worker_id}."
                    ) from None
                continue
            if kind == "error":
                raise _reraise(payload)
            if kind == "pickled":  # a batch our own worker process pickled (see _worker_loop's put)
                return ForkingPickler.loads(payload)
            return payload if kind == "ok" else _END

    def receive_streams(self):
        """Batches from every stream worker, round-robin, until all have ended."""
        live = list(range(self.count))
        while live:
            for worker_id in list(live):
                batch = self.receive(worker_id, "a stream batch")
                if batch is _END:
                    live.remove(worker_id)
                else:
                    yield batch

    def _check_alive(self, worker_id):
        worker = self.workers[worker_id]
        if self.kind == "thread" and not worker.is_alive() and self.results[worker_id].empty():
            raise WorkerError(
                f"DataLoader worker thread {worker_id} ended unexpectedly without a result; run with num_workers=0 "
                "to see the error in this thread."
            )
        if self.kind == "process" and not worker.is_alive() and self.results[worker_id].empty():
            code = worker.exitcode
            how = (
                f"was killed by signal {signal.Signals(-code).name}"
                if code and code < 0
                else f"exited with code {code}"
            )
            raise WorkerError(
                f"DataLoader worker {worker_id} (pid {worker.pid}) exited unexpectedly: it {how}. Hint: a worker "
                "killed by the system usually ran out of memory (lower batch_size or num_workers, or check shared "
                "memory: /dev/shm); run with num_workers=0 to see the error in this process."
            )

    def shutdown(self):
        self.stop.set()
        for tasks in self.tasks:
            tasks.put(None)
        for worker in self.workers:
            worker.join(timeout=1.0)
            if self.kind == "process" and worker.is_alive():
                worker.terminate()


_END = object()


def _unpicklable(error: Exception) -> Exception:
    return DataError(
        f"a batch could not be sent from the worker process: pickling it failed ({type(error).__name__}: {error}). "
        "Samples must hold tensors, arrays, numbers, strings or containers of them (not locks, files or "
        "sockets); use worker_type='thread' to keep such objects in this process."
    )


def _reraise(failure: Failure):
    """The worker's exception rebuilt in this process: its type if it takes a message, else WorkerError."""
    where = f"DataLoader worker {failure.worker_id}" if failure.worker_id is not None else "the main process"
    sample = f" while loading sample {failure.sample_index}" if failure.sample_index is not None else ""
    message = (
        f"Caught {failure.type_name} in {where}{sample}: {failure.message}\n"
        f"Original traceback (most recent call last):\n{failure.traceback}"
    )
    kind = _exception_type(failure)
    try:
        error = kind(message)
        if str(error) == message or kind is KeyError:
            return error
    except Exception:
        pass
    return WorkerError(message)


def _exception_type(failure):
    try:
        module = builtins if failure.module == "builtins" else importlib.import_module(failure.module)
        kind = getattr(module, failure.type_name)
        return kind if isinstance(kind, type) and issubclass(kind, Exception) else WorkerError
    except Exception:
        return WorkerError
