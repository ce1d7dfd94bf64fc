"""Audio transforms with NumPy's FFT: Spectrogram, MelSpectrogram, MFCC, Resample, PadTrim.

They take waveforms (..., samples) as NumPy arrays or tensors and return the same kind.
Defaults follow torchaudio: periodic Hann window, centred frames with reflect padding, the HTK
mel scale, and MFCCs as the orthonormal DCT-II of the decibel mel spectrogram (top_db 80).
"""

import math

import numpy as np

from lamina.errors import ShapeError
from lamina.tensor import Tensor


def _as_array(x):
    if isinstance(x, Tensor):
        return x.numpy(), lambda a: Tensor._make(np.ascontiguousarray(a, dtype=np.float32), x.device)
    return np.asarray(x, dtype=np.float32), lambda a: np.asarray(a, dtype=np.float32)


def hann_window(length: int) -> np.ndarray:
    """Periodic Hann window (torch.hann_window's default): 0.5 - 0.5 cos(2 pi n / length)."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)).astype(np.float32)


class Spectrogram:
    """|STFT|^power: (..., samples) -> (..., n_fft // 2 + 1, frames)."""

    def __init__(self, n_fft=400, win_length=None, hop_length=None, pad=0, power=2.0, normalized=False, center=True):
        self.n_fft, self.win_length = n_fft, win_length or n_fft
        self.hop_length, self.pad, self.power = hop_length or self.win_length // 2, pad, power
        self.normalized, self.center = normalized, center
        if self.win_length > n_fft:
            raise ValueError("Spectrogram: win_length must not exceed n_fft.")

    def __call__(self, waveform):
        x, back = _as_array(waveform)
        if self.pad:
            x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(self.pad, self.pad)])
        if self.center:
            x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(self.n_fft // 2, self.n_fft // 2)], mode="reflect")
        if x.shape[-1] < self.n_fft:
            raise ShapeError(
                f"Spectrogram: the signal ({x.shape[-1]} samples after padding) is shorter than n_fft ({self.n_fft})."
            )
        window = np.zeros(self.n_fft, dtype=np.float32)
        offset = (self.n_fft - self.win_length) // 2
        window[offset : offset + self.win_length] = hann_window(self.win_length)
        frames = np.lib.stride_tricks.sliding_window_view(x, self.n_fft, axis=-1)[..., :: self.hop_length, :]
        spectrum = np.fft.rfft(frames * window, axis=-1)  # (..., frames, bins)
        if self.normalized:
            spectrum = spectrum / np.sqrt((window**2).sum())
        magnitude = np.abs(spectrum) ** self.power if self.power is not None else spectrum
        return back(np.swapaxes(magnitude, -1, -2))


def hz_to_mel(frequency):
    return 2595.0 * np.log10(1.0 + np.asarray(frequency) / 700.0)  # the HTK formula


def mel_to_hz(mel):
    return 700.0 * (10 ** (np.asarray(mel) / 2595.0) - 1.0)


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate) -> np.ndarray:
    """(n_freqs, n_mels) triangular filters equally spaced on the mel scale (unnormalised, as torchaudio)."""
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    mel_points = np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2)
    hz_points = mel_to_hz(mel_points)
    slopes = hz_points[None, :] - all_freqs[:, None]  # (n_freqs, n_mels + 2)
    widths = np.diff(hz_points)
    down = -slopes[:, :-2] / widths[:-1]
    up = slopes[:, 2:] / widths[1:]
    return np.maximum(0, np.minimum(down, up)).astype(np.float32)


class MelSpectrogram:
    """Power spectrogram mapped onto n_mels mel bands: (..., samples) -> (..., n_mels, frames)."""

    def __init__(
        self,
        sample_rate=16000,
        n_fft=400,
        win_length=None,
        hop_length=None,
        f_min=0.0,
        f_max=None,
        n_mels=128,
        power=2.0,
        center=True,
    ):
        self.spectrogram = Spectrogram(n_fft, win_length, hop_length, power=power, center=center)
        self.filters = mel_filterbank(n_fft // 2 + 1, f_min, f_max or sample_rate / 2, n_mels, sample_rate)

    def __call__(self, waveform):
        spectrum = self.spectrogram(waveform)
        array, back = _as_array(spectrum)
        return back(np.swapaxes(np.swapaxes(array, -1, -2) @ self.filters, -1, -2))


def dct_matrix(n_mfcc, n_mels) -> np.ndarray:
    """(n_mels, n_mfcc) orthonormal DCT-II basis: mfcc = log_mel @ D."""
    n = np.arange(n_mels)
    k = np.arange(n_mfcc)[:, None]
    basis = np.cos(math.pi / n_mels * (n + 0.5) * k)  # (n_mfcc, n_mels)
    basis[0] *= 1 / math.sqrt(2)
    return (basis * math.sqrt(2.0 / n_mels)).T.astype(np.float32)


class MFCC:
    """Mel-frequency cepstral coefficients: DCT-II (ortho) of the mel spectrogram in decibels (top_db 80)."""

    def __init__(self, sample_rate=16000, n_mfcc=40, melkwargs=None, top_db=80.0):
        melkwargs = dict(melkwargs or {})
        self.mel = MelSpectrogram(sample_rate, **melkwargs)
        n_mels = self.mel.filters.shape[1]
        if n_mfcc > n_mels:
            raise ValueError(f"MFCC: n_mfcc ({n_mfcc}) cannot exceed n_mels ({n_mels}).")
        self.dct, self.top_db = dct_matrix(n_mfcc, n_mels), top_db

    def __call__(self, waveform):
        mel, back = _as_array(self.mel(waveform))
        decibels = 10.0 * np.log10(np.maximum(mel, 1e-10))
        if self.top_db is not None:  # torchaudio clamps per spectrogram to max - top_db
            decibels = np.maximum(decibels, decibels.max(axis=(-2, -1), keepdims=True) - self.top_db)
        return back(np.swapaxes(np.swapaxes(decibels, -1, -2) @ self.dct, -1, -2))


class Resample:
    """Change the sample rate by polyphase filtering (scipy.signal.resample_poly, a Kaiser-windowed FIR)."""

    def __init__(self, orig_freq=16000, new_freq=16000):
        divisor = math.gcd(int(orig_freq), int(new_freq))
        self.up, self.down = int(new_freq) // divisor, int(orig_freq) // divisor

    def __call__(self, waveform):
        x, back = _as_array(waveform)
        if self.up == self.down:
            return back(x)
        from scipy.signal import resample_poly

        return back(resample_poly(x, self.up, self.down, axis=-1))


class PadTrim:
    """Make the last dim exactly `length`: cut the end off, or pad with `value`."""

    def __init__(self, length: int, value: float = 0.0):
        self.length, self.value = length, value

    def __call__(self, waveform):
        x, back = _as_array(waveform)
        if x.shape[-1] >= self.length:
            return back(x[..., : self.length])
        return back(np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, self.length - x.shape[-1])], constant_values=self.value))
