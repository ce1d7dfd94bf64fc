"""Audio: reading WAV files, and AudioFolder (root/<label>/<clip>.wav, the Speech Commands and FSDD layout)."""

import wave
from pathlib import Path

import numpy as np

from lamina.data.dataset import Dataset
from lamina.errors import DataError

_PCM = {1: np.uint8, 2: np.int16, 4: np.int32}


def read_wav(path):
    """(waveform float32 (channels, samples) in [-1, 1], sample_rate) from a PCM WAV file."""
    try:
        with wave.open(str(path), "rb") as file:
            channels, width, rate, frames = (
                file.getnchannels(),
                file.getsampwidth(),
                file.getframerate(),
                file.getnframes(),
            )
            raw = file.readframes(frames)
    except (wave.Error, EOFError) as error:
        raise DataError(f"{path}: not a readable PCM WAV file ({error}).") from None
    if width not in _PCM:
        raise DataError(f"{path}: {8 * width}-bit samples are not supported (8, 16 or 32-bit PCM only).")
    samples = np.frombuffer(raw, dtype=_PCM[width])
    if samples.size != frames * channels:
        raise DataError(
            f"{path}: the header promises {frames} frames but the data holds {samples.size // channels}; "
            "the file is truncated."
        )
    if width == 1:  # 8-bit WAV is unsigned, centred on 128
        audio = (samples.astype(np.float32) - 128) / 128
    else:
        audio = samples.astype(np.float32) / float(2 ** (8 * width - 1))
    return audio.reshape(-1, channels).T.copy(), rate


def write_wav(path, waveform, sample_rate: int):
    """Write float samples in [-1, 1], shape (channels, samples) or (samples,), as 16-bit PCM."""
    data = np.atleast_2d(np.asarray(waveform, dtype=np.float32))
    pcm = (np.clip(data, -1, 1) * 32767).round().astype("<i2").T.tobytes()
    with wave.open(str(path), "wb") as file:
        file.setnchannels(data.shape[0])
        file.setsampwidth(2)
        file.setframerate(int(sample_rate))
        file.writeframes(pcm)


class AudioFolder(Dataset):
    """Clips labelled by folder: samples are (waveform float32 (channels, samples), label index).

    sample_rate: every clip is resampled to it (transforms.Resample) if given; otherwise clips must
    share one rate, which is then `self.sample_rate`.
    """

    def __init__(self, root, sample_rate=None, transform=None, target_transform=None, extensions=(".wav",)):
        self.root = Path(root)
        self.classes = sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []
        if not self.classes:
            raise DataError(f"AudioFolder: {self.root} has no class folders (expected root/<label>/<clip>.wav).")
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples = [
            (p, self.class_to_idx[name])
            for name in self.classes
            for p in sorted((self.root / name).rglob("*"))
            if p.suffix.lower() in extensions
        ]
        if not self.samples:
            raise DataError(f"AudioFolder: no {extensions} files under {self.root}.")
        self.sample_rate, self.transform, self.target_transform = sample_rate, transform, target_transform

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        from lamina.transforms.audio import Resample

        path, label = self.samples[index]
        waveform, rate = read_wav(path)
        if self.sample_rate is None:
            self.sample_rate = rate
        if rate != self.sample_rate:
            waveform = Resample(rate, self.sample_rate)(waveform)
        if self.transform is not None:
            waveform = self.transform(waveform)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return waveform, label
