"""The random streams of one replication-year, built at once: the exact generators of

    Generator(PCG64(SeedSequence(seed_seq.entropy, spawn_key=seed_seq.spawn_key + (year, key))))

for every community key. Building ~1,300 `SeedSequence`s and `PCG64`s one by one took a quarter
of a replication; here the SeedSequence hash (O'Neill's seed_seq algorithm as numpy documents and
keeps stable: hashmix, mix, a pool of four 32-bit words) runs vectorised over the keys and hands
each PCG64 the state words it asks its seed sequence for. Every call checks its first stream
against numpy's own construction and falls back to it if they ever differ, so the streams cannot
silently change.
"""

from __future__ import annotations

import numpy as np
from numpy.random.bit_generator import ISeedSequence

_MASK32 = 0xFFFFFFFF
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_POOL = 4


def _words(n: int) -> list[int]:
    """A non-negative int as little-endian 32-bit words (at least one), as SeedSequence does."""
    out = [n & _MASK32]
    n >>= 32
    while n:
        out.append(n & _MASK32)
        n >>= 32
    return out


class _Hash:
    """The hash constant that every hashmix call advances (the same sequence for every row)."""

    def __init__(self, init: int, mult: int) -> None:
        self.value, self.mult = init, mult

    def mix(self, v: np.ndarray) -> np.ndarray:
        v = v ^ np.uint32(self.value)
        self.value = (self.value * self.mult) & _MASK32
        v = v * np.uint32(self.value)
        return v ^ (v >> np.uint32(16))


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
    return r ^ (r >> np.uint32(16))


def _generated_states(entropy: np.ndarray) -> np.ndarray:
    """Per row of assembled entropy words: `SeedSequence.generate_state(4, np.uint64)`."""
    h = _Hash(_INIT_A, _MULT_A)
    m, width = entropy.shape
    zero = np.zeros(m, dtype=np.uint32)
    pool = [h.mix(entropy[:, i] if i < width else zero) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = _mix(pool[dst], h.mix(pool[src]))
    for src in range(_POOL, width):
        for dst in range(_POOL):
            pool[dst] = _mix(pool[dst], h.mix(entropy[:, src]))
    g = _Hash(_INIT_B, _MULT_B)
    words = np.stack([g.mix(pool[i % _POOL]) for i in range(8)], axis=1)  # little-endian pairs
    return np.ascontiguousarray(words).astype("<u4").view("<u8").astype(np.uint64)


class _Seeded(ISeedSequence):
    """A seed sequence that already knows the state PCG64 will ask it for."""

    def __init__(self, state: np.ndarray) -> None:
        self.state = state

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words != 4 or np.dtype(dtype) != np.uint64:
            raise ValueError("only PCG64's request (4 words of 64 bits) is known")
        return self.state


def _numpy_stream(seed_seq: np.random.SeedSequence, year: int, key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        seed_seq.entropy, spawn_key=tuple(seed_seq.spawn_key) + (year, key))))


def community_streams(seed_seq: np.random.SeedSequence, year: int, keys: tuple[int, ...]
                      ) -> list[np.random.Generator]:
    """One generator per key, each exactly `_numpy_stream(seed_seq, year, key)`."""
    if not keys:
        return []
    run = _words(int(seed_seq.entropy))
    prefix = [w for k in tuple(seed_seq.spawn_key) + (year,) for w in _words(int(k))]
    run += [0] * max(0, _POOL - len(run))  # a spawn key follows: the entropy is padded to 4
    rows = [run + prefix + _words(int(k)) for k in keys]
    states = np.zeros((len(keys), 4), dtype=np.uint64)
    for width in {len(r) for r in rows}:  # keys of one and of two words
        idx = [i for i, r in enumerate(rows) if len(r) == width]
        states[idx] = _generated_states(np.array([rows[i] for i in idx], dtype=np.uint32))
    streams = [np.random.Generator(np.random.PCG64(_Seeded(st))) for st in states]
    if streams[0].bit_generator.state != _numpy_stream(seed_seq, year, keys[0]).bit_generator.state:
        return [_numpy_stream(seed_seq, year, k) for k in keys]  # numpy changed: its own way
    return streams
