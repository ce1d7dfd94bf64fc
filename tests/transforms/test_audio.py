"""Audio transforms against closed forms on generated tones."""

import numpy as np
import pytest

from lamina import transforms as T
from lamina.transforms.audio import dct_matrix, hz_to_mel, mel_to_hz

RATE = 16000


def tone(frequency, seconds=0.5, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return np.sin(2 * np.pi * frequency * t).astype(np.float32)[None]


def test_spectrogram_peak_is_at_the_tone_frequency():
    spectrum = T.Spectrogram(n_fft=512, hop_length=128)(tone(1000.0))
    assert spectrum.shape == (1, 257, 1 + 8000 // 128)
    assert np.argmax(spectrum[0].mean(1)) == round(1000 * 512 / RATE)
    # Parseval for a pure tone under a Hann window: peak power = (A * sum(w) / 2)^2 with A = 1
    window_sum = 512 / 2
    assert spectrum[0, 32, 10] == pytest.approx((window_sum / 2) ** 2, rel=0.02)


def test_spectrogram_matches_torch_stft():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 1000)).astype(np.float32)
    ours = T.Spectrogram(n_fft=128, hop_length=32)(x)
    window = torch.hann_window(128)
    theirs = (
        torch.stft(
            torch.from_numpy(x), 128, 32, window=window, center=True, pad_mode="reflect", return_complex=True
        ).abs()
        ** 2
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-3, atol=1e-3)


def test_mel_scale_and_filterbank():
    assert hz_to_mel(700.0) == pytest.approx(2595 * np.log10(2))
    np.testing.assert_allclose(mel_to_hz(hz_to_mel([0.0, 440.0, 8000.0])), [0.0, 440.0, 8000.0], rtol=1e-9)
    mel = T.MelSpectrogram(RATE, n_fft=512, n_mels=40)(tone(440.0))
    assert mel.shape[:2] == (1, 40)
    peak_band = np.argmax(mel[0].mean(1))
    centres = mel_to_hz(np.linspace(hz_to_mel(0), hz_to_mel(RATE / 2), 42))[1:-1]
    assert abs(centres[peak_band] - 440) < 120


def test_mfcc_is_an_orthonormal_dct_of_decibels():
    basis = dct_matrix(40, 40)
    np.testing.assert_allclose(basis.T @ basis, np.eye(40), atol=1e-5)
    mfcc = T.MFCC(RATE, n_mfcc=13, melkwargs={"n_fft": 512, "n_mels": 40})(tone(300.0))
    assert mfcc.shape[:2] == (1, 13) and np.isfinite(mfcc).all()
    with pytest.raises(ValueError, match="cannot exceed n_mels"):
        T.MFCC(RATE, n_mfcc=50, melkwargs={"n_mels": 40})


def test_resample_keeps_the_frequency_and_padtrim():
    original = tone(500.0, rate=8000)
    up = T.Resample(8000, 16000)(original)
    assert up.shape == (1, 8000)
    spectrum = np.abs(np.fft.rfft(up[0]))
    assert np.argmax(spectrum) * 16000 / up.shape[1] == pytest.approx(500, abs=2)
    np.testing.assert_allclose(up[0, 1000:3000], tone(500.0, rate=16000)[0, 1000:3000], atol=0.02)
    assert T.PadTrim(10)(np.ones((1, 4))).tolist() == [[1, 1, 1, 1, 0, 0, 0, 0, 0, 0]]
    assert T.PadTrim(2)(np.ones((1, 4))).shape == (1, 2)
