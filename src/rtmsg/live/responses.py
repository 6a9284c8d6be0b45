"""The Responses API streaming events a ``response.event`` carries, typed for a voice client.

A Live session that delegates to a Responses backend streams that backend's
events to the client, each wrapped in a ``response.event`` with its
``delegation_id``. The wrapper (:class:`rtmsg.live.ResponseEvent`) keeps the
nested event as its exact bytes, a :class:`msgspec.Raw`; this module reads them.

Lazy, on purpose. :meth:`ResponseEvent.nested` decodes the nested event when it
is called, never during the decode of the ``response.event`` itself, because:

- a proxy or a recorder only forwards ``response.event``: reading it as raw JSON
  costs one scan of its bytes, what a flat event of the same size costs (the
  benchmark's Live stream measures both), while a typed decode would build every
  nested object for nothing;
- the nested events are the Responses API's, which grows faster than Live: a
  nested shape this version does not know must not turn a valid ``response.event``
  into a :class:`~rtmsg.DecodeError` for a client that never looks inside.

The events typed here are those a voice client reads: the response's lifecycle
(``response.created|in_progress|queued|completed|failed|incomplete``), output
items (messages and function calls), content parts, text, refusals, audio and
its transcript, function call arguments, and ``error``. Any other nested type is
an :class:`~rtmsg.Unknown` with its exact bytes, and so is an output item event
whose item is neither a message nor a function call. In a response snapshot,
what echoes the request (tools, tool choice, instructions, prompt, text and
reasoning settings, output items, and the like) is kept as JSON: the Live
service clears most of it, and its shapes are the Responses API's to grow.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Final, Literal, get_args

import msgspec
from msgspec import UNSET, UnsetType

from ..engine.base import Event, Model, Tagged, register_events
from ..engine.decoding import EventDecoder, Frame, Unknown
from ..engine.errors import DecodeError
from ..engine.msgspec_adapter import FAILURES

__all__ = [
    "AnnotationContainerFileCitation",
    "AnnotationFileCitation",
    "AnnotationFilePath",
    "AnnotationUrlCitation",
    "CacheWriteTokensDetails",
    "CallerDirect",
    "CallerProgram",
    "ContentPart",
    "Error",
    "FunctionCall",
    "IncompleteDetails",
    "InputTokensDetails",
    "Misalignment",
    "MisalignmentSteer",
    "OutputItem",
    "OutputMessage",
    "OutputText",
    "OutputTextLogprob",
    "OutputTextTopLogprob",
    "OutputTokensDetails",
    "ReasoningText",
    "Refusal",
    "Response",
    "ResponseAudioDelta",
    "ResponseAudioDone",
    "ResponseAudioTranscriptDelta",
    "ResponseAudioTranscriptDone",
    "ResponseCompleted",
    "ResponseContentPartAdded",
    "ResponseContentPartDone",
    "ResponseConversation",
    "ResponseCreated",
    "ResponseError",
    "ResponseEventDecoder",
    "ResponseFailed",
    "ResponseFunctionCallArgumentsDelta",
    "ResponseFunctionCallArgumentsDone",
    "ResponseInProgress",
    "ResponseIncomplete",
    "ResponseOutputItemAdded",
    "ResponseOutputItemDone",
    "ResponseOutputTextDelta",
    "ResponseOutputTextDone",
    "ResponseQueued",
    "ResponseRefusalDelta",
    "ResponseRefusalDone",
    "ResponseStreamEvent",
    "ResponseStreamEventType",
    "ResponseUsage",
    "TextLogprob",
    "TextTopLogprob",
    "decode_response_event",
    "reroot",
]


# --- the response snapshot -----------------------------------------------------------------------


class MisalignmentSteer(Model):
    """What the model was steered with."""

    message: str


class Misalignment(Model):
    """Details of a misalignment policy violation."""

    detailed_explanation: str | None | UnsetType = UNSET
    error_type: str | None | UnsetType = UNSET
    review_target: str | None | UnsetType = UNSET
    steer: MisalignmentSteer | None | UnsetType = UNSET


class ResponseError(Model):
    """Why the response failed."""

    code: str
    message: str
    misalignment: Misalignment | None | UnsetType = UNSET
    param: str | None | UnsetType = UNSET
    type: str | None | UnsetType = UNSET


class IncompleteDetails(Model):
    """Why the response is incomplete."""

    reason: str | None | UnsetType = UNSET


class ResponseConversation(Model):
    """The conversation the response belongs to."""

    id: str


class CacheWriteTokensDetails(Model):
    """The cached input tokens by time to live."""

    ttl_12h_tokens: int
    ttl_30m_tokens: int


class InputTokensDetails(Model):
    """The input tokens written to and read from the cache."""

    cache_write_tokens: int
    cached_tokens: int
    cache_write_tokens_details: CacheWriteTokensDetails | None | UnsetType = UNSET


class OutputTokensDetails(Model):
    """The output tokens spent reasoning."""

    reasoning_tokens: int


class ResponseUsage(Model):
    """The tokens the response used."""

    input_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens: int
    output_tokens_details: OutputTokensDetails
    total_tokens: int


class Response(Model):
    """A snapshot of the delegated response; what echoes its request is kept as JSON."""

    id: str
    created_at: float
    model: str
    object: str
    output: list[dict[str, Any]]
    parallel_tool_calls: bool
    tool_choice: str | dict[str, Any]
    tools: list[dict[str, Any]]
    access_programs: dict[str, Any] | None | UnsetType = UNSET
    background: bool | None | UnsetType = UNSET
    completed_at: float | None | UnsetType = UNSET
    conversation: ResponseConversation | None | UnsetType = UNSET
    error: ResponseError | None | UnsetType = UNSET
    image: dict[str, Any] | None | UnsetType = UNSET
    incomplete_details: IncompleteDetails | None | UnsetType = UNSET
    input_transformations: list[dict[str, Any]] | None | UnsetType = UNSET
    instructions: str | list[dict[str, Any]] | None | UnsetType = UNSET
    max_output_tokens: int | None | UnsetType = UNSET
    max_tool_calls: int | None | UnsetType = UNSET
    metadata: dict[str, str] | None | UnsetType = UNSET
    moderation: dict[str, Any] | None | UnsetType = UNSET
    previous_response_id: str | None | UnsetType = UNSET
    prompt: dict[str, Any] | None | UnsetType = UNSET
    prompt_cache_diagnostics: dict[str, Any] | None | UnsetType = UNSET
    prompt_cache_key: str | None | UnsetType = UNSET
    prompt_cache_options: dict[str, Any] | None | UnsetType = UNSET
    prompt_cache_retention: str | None | UnsetType = UNSET
    reasoning: dict[str, Any] | None | UnsetType = UNSET
    safety_identifier: str | None | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET
    status: str | None | UnsetType = UNSET
    temperature: float | None | UnsetType = UNSET
    text: dict[str, Any] | None | UnsetType = UNSET
    tool_usage: dict[str, Any] | None | UnsetType = UNSET
    top_logprobs: int | None | UnsetType = UNSET
    top_p: float | None | UnsetType = UNSET
    truncation: str | None | UnsetType = UNSET
    usage: ResponseUsage | None | UnsetType = UNSET
    user: str | None | UnsetType = UNSET


# --- output items and content parts --------------------------------------------------------------


class AnnotationFileCitation(Tagged, tag="file_citation"):
    """A citation of a file."""

    file_id: str
    filename: str
    index: int


class AnnotationUrlCitation(Tagged, tag="url_citation"):
    """A citation of a web page."""

    end_index: int
    start_index: int
    title: str
    url: str


class AnnotationContainerFileCitation(Tagged, tag="container_file_citation"):
    """A citation of a file in a container."""

    container_id: str
    end_index: int
    file_id: str
    filename: str
    start_index: int


class AnnotationFilePath(Tagged, tag="file_path"):
    """A path to a file."""

    file_id: str
    index: int


class OutputTextTopLogprob(Model):
    """One of the likeliest tokens at a position."""

    token: str
    bytes: list[int]
    logprob: float


class OutputTextLogprob(Model):
    """The log probability of one output token."""

    token: str
    bytes: list[int]
    logprob: float
    top_logprobs: list[OutputTextTopLogprob]


class OutputText(Tagged, tag="output_text"):
    """Text the model wrote, with its annotations."""

    annotations: list[
        AnnotationFileCitation
        | AnnotationUrlCitation
        | AnnotationContainerFileCitation
        | AnnotationFilePath
    ]
    text: str
    logprobs: list[OutputTextLogprob] | None | UnsetType = UNSET


class Refusal(Tagged, tag="refusal"):
    """The model refused."""

    refusal: str


class ReasoningText(Tagged, tag="reasoning_text"):
    """Reasoning text."""

    text: str


ContentPart = OutputText | Refusal | ReasoningText
"""A content part of an output message."""


class OutputMessage(Tagged, tag="message"):
    """An assistant message of the response."""

    id: str
    content: list[OutputText | Refusal]
    role: Literal["assistant"]
    status: str
    phase: str | None | UnsetType = UNSET


class CallerDirect(Tagged, tag="direct"):
    """The model called the function itself."""


class CallerProgram(Tagged, tag="program"):
    """A program called the function."""

    caller_id: str


class FunctionCall(Tagged, tag="function_call"):
    """A call of a function tool: run it and send its output back with ``response.item.create``."""

    arguments: str
    call_id: str
    name: str
    id: str | None | UnsetType = UNSET
    async_: bool | None | UnsetType = msgspec.field(default=UNSET, name="async")
    caller: CallerDirect | CallerProgram | None | UnsetType = UNSET
    namespace: str | None | UnsetType = UNSET
    status: str | None | UnsetType = UNSET


OutputItem = OutputMessage | FunctionCall
"""The output items typed here; an item event with another item is an Unknown."""


# --- the streaming events ------------------------------------------------------------------------


class ResponseCreated(Event, tag="response.created"):
    """The response was created."""

    response: Response
    sequence_number: int


class ResponseInProgress(Event, tag="response.in_progress"):
    """The response is in progress."""

    response: Response
    sequence_number: int


class ResponseQueued(Event, tag="response.queued"):
    """The response is queued."""

    response: Response
    sequence_number: int


class ResponseCompleted(Event, tag="response.completed"):
    """The response is complete."""

    response: Response
    sequence_number: int


class ResponseFailed(Event, tag="response.failed"):
    """The response failed: ``response.error`` says why."""

    response: Response
    sequence_number: int


class ResponseIncomplete(Event, tag="response.incomplete"):
    """The response ended incomplete: ``response.incomplete_details`` says why."""

    response: Response
    sequence_number: int


class ResponseOutputItemAdded(Event, tag="response.output_item.added"):
    """An output item was added: a message, or a function call to run."""

    item: OutputItem
    output_index: int
    sequence_number: int


class ResponseOutputItemDone(Event, tag="response.output_item.done"):
    """An output item is complete."""

    item: OutputItem
    output_index: int
    sequence_number: int


class ResponseContentPartAdded(Event, tag="response.content_part.added"):
    """A content part was added to a message."""

    content_index: int
    item_id: str
    output_index: int
    part: ContentPart
    sequence_number: int


class ResponseContentPartDone(Event, tag="response.content_part.done"):
    """A content part is complete."""

    content_index: int
    item_id: str
    output_index: int
    part: ContentPart
    sequence_number: int


class TextTopLogprob(Model):
    """One of the likeliest tokens at a position of a text delta."""

    token: str | None | UnsetType = UNSET
    logprob: float | None | UnsetType = UNSET


class TextLogprob(Model):
    """The log probability of one token of a text delta."""

    token: str
    logprob: float
    top_logprobs: list[TextTopLogprob] | None | UnsetType = UNSET


class ResponseOutputTextDelta(Event, tag="response.output_text.delta"):
    """More output text: append ``delta``."""

    content_index: int
    delta: str
    item_id: str
    logprobs: list[TextLogprob]
    output_index: int
    sequence_number: int


class ResponseOutputTextDone(Event, tag="response.output_text.done"):
    """The output text is complete: the whole ``text``."""

    content_index: int
    item_id: str
    logprobs: list[TextLogprob]
    output_index: int
    sequence_number: int
    text: str


class ResponseRefusalDelta(Event, tag="response.refusal.delta"):
    """More refusal text."""

    content_index: int
    delta: str
    item_id: str
    output_index: int
    sequence_number: int


class ResponseRefusalDone(Event, tag="response.refusal.done"):
    """The refusal text is complete."""

    content_index: int
    item_id: str
    output_index: int
    refusal: str
    sequence_number: int


class ResponseAudioDelta(Event, tag="response.audio.delta"):
    """A chunk of the response's audio, base64."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"delta"})

    delta: str
    sequence_number: int


class ResponseAudioDone(Event, tag="response.audio.done"):
    """The response's audio is complete."""

    sequence_number: int


class ResponseAudioTranscriptDelta(Event, tag="response.audio.transcript.delta"):
    """More of the audio's transcript."""

    delta: str
    sequence_number: int


class ResponseAudioTranscriptDone(Event, tag="response.audio.transcript.done"):
    """The audio's transcript is complete."""

    sequence_number: int


class ResponseFunctionCallArgumentsDelta(Event, tag="response.function_call_arguments.delta"):
    """More of a function call's arguments."""

    delta: str
    item_id: str
    output_index: int
    sequence_number: int


class ResponseFunctionCallArgumentsDone(Event, tag="response.function_call_arguments.done"):
    """A function call's arguments are complete."""

    arguments: str
    item_id: str
    output_index: int
    sequence_number: int


class Error(Event, tag="error"):
    """The Responses backend reported an error."""

    message: str
    sequence_number: int
    code: str | None | UnsetType = UNSET
    param: str | None | UnsetType = UNSET


ResponseStreamEvent = (
    ResponseCreated
    | ResponseInProgress
    | ResponseQueued
    | ResponseCompleted
    | ResponseFailed
    | ResponseIncomplete
    | ResponseOutputItemAdded
    | ResponseOutputItemDone
    | ResponseContentPartAdded
    | ResponseContentPartDone
    | ResponseOutputTextDelta
    | ResponseOutputTextDone
    | ResponseRefusalDelta
    | ResponseRefusalDone
    | ResponseAudioDelta
    | ResponseAudioDone
    | ResponseAudioTranscriptDelta
    | ResponseAudioTranscriptDone
    | ResponseFunctionCallArgumentsDelta
    | ResponseFunctionCallArgumentsDone
    | Error
)
"""A nested Responses streaming event of a type typed here."""


class ResponseStreamEventType(enum.StrEnum):
    """The wire ``type`` of every nested Responses event typed here."""

    RESPONSE_CREATED = "response.created"
    RESPONSE_IN_PROGRESS = "response.in_progress"
    RESPONSE_QUEUED = "response.queued"
    RESPONSE_COMPLETED = "response.completed"
    RESPONSE_FAILED = "response.failed"
    RESPONSE_INCOMPLETE = "response.incomplete"
    RESPONSE_OUTPUT_ITEM_ADDED = "response.output_item.added"
    RESPONSE_OUTPUT_ITEM_DONE = "response.output_item.done"
    RESPONSE_CONTENT_PART_ADDED = "response.content_part.added"
    RESPONSE_CONTENT_PART_DONE = "response.content_part.done"
    RESPONSE_OUTPUT_TEXT_DELTA = "response.output_text.delta"
    RESPONSE_OUTPUT_TEXT_DONE = "response.output_text.done"
    RESPONSE_REFUSAL_DELTA = "response.refusal.delta"
    RESPONSE_REFUSAL_DONE = "response.refusal.done"
    RESPONSE_AUDIO_DELTA = "response.audio.delta"
    RESPONSE_AUDIO_DONE = "response.audio.done"
    RESPONSE_AUDIO_TRANSCRIPT_DELTA = "response.audio.transcript.delta"
    RESPONSE_AUDIO_TRANSCRIPT_DONE = "response.audio.transcript.done"
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA = "response.function_call_arguments.delta"
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE = "response.function_call_arguments.done"
    ERROR = "error"


register_events(get_args(ResponseStreamEvent), ResponseStreamEventType)


# --- the decoder ---------------------------------------------------------------------------------

_ITEM_EVENTS: Final = frozenset({"response.output_item.added", "response.output_item.done"})
_ITEM_TYPES: Final = frozenset(cls.__struct_config__.tag for cls in get_args(OutputItem))


class _ItemType(msgspec.Struct):
    type: Any = None


class _ItemEnvelope(msgspec.Struct):
    item: _ItemType | None = None


_item_envelope: Final = msgspec.json.Decoder(_ItemEnvelope)


class ResponseEventDecoder(EventDecoder[ResponseStreamEvent]):
    """Decodes nested Responses events, with the options of :class:`rtmsg.ClientEventDecoder`.

    An output item event whose item is an object of another ``type`` than the
    items typed here is an :class:`~rtmsg.Unknown`, as an event of another type is.
    """

    _union = ResponseStreamEvent
    _known = frozenset(ResponseStreamEventType)

    def _fallback(self, frame: Frame, exc: Exception) -> Unknown:
        try:
            return super()._fallback(frame, exc)
        except DecodeError as error:
            if error.event_type in _ITEM_EVENTS and _other_item(frame):
                return Unknown(error.event_type, _raw(frame), None, None)
            raise


def _other_item(frame: Frame) -> bool:
    """Whether the frame's ``item`` is an object whose ``type`` is an item not typed here."""
    try:
        item = _item_envelope.decode(frame).item
    except FAILURES:  # not an object, or nested too deep to tell
        return False
    kind = None if item is None else item.type
    return isinstance(kind, str) and kind not in _ITEM_TYPES


def _raw(frame: Frame) -> bytes:
    return frame.encode() if isinstance(frame, str) else bytes(frame)


_default: Final = ResponseEventDecoder(max_frame_bytes=None)


def decode_response_event(frame: Frame | msgspec.Raw) -> ResponseStreamEvent | Unknown:
    """Decode one nested Responses event (the ``event`` of a ``response.event``).

    Returns the typed event, or :class:`~rtmsg.Unknown` for another type (or an
    item not typed here); raises :class:`~rtmsg.DecodeError` for an invalid
    event of a typed kind, its path rooted at the nested event.
    """
    return _default.decode(bytes(frame) if isinstance(frame, msgspec.Raw) else frame)


def reroot(error: DecodeError, field: str) -> DecodeError:
    """``error`` of a nested event, with its path rooted at the wrapper's ``field``."""
    path = None if error.path is None else f"$.{field}{error.path.removeprefix('$')}"
    message = str(error)
    if error.path is not None:
        message = message.replace(f"`{error.path}`", f"`{path}`")
    return DecodeError(message, event_type=error.event_type, path=path, code=error.code)
