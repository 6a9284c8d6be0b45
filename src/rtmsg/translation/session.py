"""The translation session: its audio settings, as the server reports them and as updated.

These are the objects inside the translation protocol's ``session.update``,
``session.created`` and ``session.updated``. They are not the conversation's
session types: a translation session has a target language instead of a voice,
no formats or turn detection, and its noise reduction must name its ``type``.
"""

from __future__ import annotations

from typing import Literal

from msgspec import UNSET, UnsetType

from ..engine.base import Model

__all__ = [
    "Audio",
    "AudioInput",
    "AudioInputNoiseReduction",
    "AudioInputTranscription",
    "AudioOutput",
    "Session",
    "SessionUpdateRequest",
]


class AudioInputNoiseReduction(Model):
    """Input noise reduction: ``near_field`` (headsets) or ``far_field`` (laptops, rooms)."""

    type: str
    strength: float | None | UnsetType = UNSET


class AudioInputTranscription(Model):
    """Source-language transcription: when set, the server sends input transcript deltas.

    ``language`` is in no schema, but the spec's ``session.created`` example
    sends it, so it is kept rather than dropped on re-encode.
    """

    model: str
    language: str | None | UnsetType = UNSET


class AudioInput(Model):
    """Input audio settings; ``null`` turns noise reduction or transcription off."""

    noise_reduction: AudioInputNoiseReduction | None | UnsetType = UNSET
    transcription: AudioInputTranscription | None | UnsetType = UNSET


class AudioOutput(Model):
    """Output settings: the language the audio and transcript are translated into."""

    language: str | None | UnsetType = UNSET


class Audio(Model):
    """Audio settings of a translation session."""

    input: AudioInput | None | UnsetType = UNSET
    output: AudioOutput | None | UnsetType = UNSET


class Session(Model):
    """A translation session as the server reports it; its model is fixed at creation.

    ``type`` is a plain required field, the only value of its kind here: msgspec
    would treat the tag of a Struct outside a union as optional.
    """

    type: Literal["translation"]
    id: str
    model: str
    expires_at: int
    audio: Audio


class SessionUpdateRequest(Model):
    """The session fields a ``session.update`` may change: only the audio settings."""

    audio: Audio | None | UnsetType = UNSET
