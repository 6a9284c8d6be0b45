"""Live's items: the startup history, the Decision items and content parts, a Decision's answers.

Two places hold several shapes that no msgspec tag tells apart, as the
conversation's messages do:

- the startup history (``session.start``'s ``input``): developer, user and
  assistant messages differ by ``role``, and their ``type`` (``"message"``) is
  optional, so one :class:`InitialItem` reads all three and checks which content
  part each role allows;
- the Decision items (``decision.item.create``, ``decision.item.created``): four
  messages of optional ``type`` beside four calls and outputs of required
  ``type``, so one :class:`DecisionItem` reads all eight and checks the fields
  each one requires; :class:`StoredDecisionItem` is the same with its ``id``.

Content parts and answers carry a required ``type``: they are plain tagged unions.
"""

from __future__ import annotations

from typing import Any, Literal

from msgspec import UNSET, UnsetType

from ..engine.base import Model, Tagged
from ..engine.errors import ErrorCode, SchemaError

__all__ = [
    "Decision",
    "DecisionAnswer",
    "DecisionChoiceAnswer",
    "DecisionChoiceProbability",
    "DecisionContentPart",
    "DecisionInputImage",
    "DecisionInputJson",
    "DecisionInputText",
    "DecisionItem",
    "DecisionOutputText",
    "DecisionPredicateAnswer",
    "DecisionRefusal",
    "DecisionRefusalAnswer",
    "DecisionScoreAnswer",
    "DecisionScoreProbability",
    "DecisionToolOutputPart",
    "DecisionUsage",
    "DecisionUsageInputTokensDetails",
    "DecisionUsageOutputTokensDetails",
    "InitialItem",
    "InitialItemContent",
    "StoredDecisionItem",
]


def _given(value: object) -> bool:
    return value is not None and value is not UNSET


# --- the startup history -----------------------------------------------------------------------

_INITIAL_CONTENT_TYPES: dict[str, frozenset[str]] = {
    "developer": frozenset({"input_text"}),
    "user": frozenset({"input_text"}),
    "assistant": frozenset({"text", "output_text"}),
}
"""The content part ``type`` each role of the startup history allows (absent or null too,
except ``output_text``'s, which is required)."""


class InitialItemContent(Model):
    """One text part of a startup history message: ``input_text``, or ``text``/``output_text``."""

    text: str
    type: str | None | UnsetType = UNSET


class InitialItem(Model):
    """A developer, user or assistant message of the startup history, one text part each.

    ``role`` selects the message, and with it the content part types it allows.
    """

    role: Literal["developer", "user", "assistant"]
    content: list[InitialItemContent]
    id: str | None | UnsetType = UNSET
    status: str | None | UnsetType = UNSET
    type: Literal["message"] | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        allowed = _INITIAL_CONTENT_TYPES[self.role]
        for index, part in enumerate(self.content):
            if _given(part.type) and part.type not in allowed:
                raise SchemaError(
                    f"Invalid content type {part.type!r} for a {self.role!r} message:"
                    f" expected one of {sorted(allowed)}",
                    code=ErrorCode.INVALID_VALUE,
                    field=f"content[{index}].type",
                )


# --- Decision content parts ----------------------------------------------------------------------


class DecisionInputText(Tagged, tag="input_text"):
    """Text input to a Decision model."""

    text: str


class DecisionInputImage(Tagged, tag="input_image"):
    """An image input: a base64 data URL or an HTTP(S) URL."""

    image_url: str
    detail: str | None | UnsetType = UNSET


class DecisionInputJson(Tagged, tag="input_json"):
    """JSON input: one object or a list of objects."""

    data: list[dict[str, Any]] | dict[str, Any]


class DecisionOutputText(Tagged, tag="output_text"):
    """Text an assistant message holds."""

    text: str


class DecisionRefusal(Tagged, tag="refusal"):
    """A refusal an assistant message holds."""

    refusal: str


DecisionContentPart = (
    DecisionInputText
    | DecisionInputImage
    | DecisionInputJson
    | DecisionOutputText
    | DecisionRefusal
)
"""A content part of a Decision message; which ones a message may hold depends on its role."""

DecisionToolOutputPart = DecisionInputText | DecisionInputImage
"""A part of a function or custom tool call's output."""


# --- Decision items ------------------------------------------------------------------------------

_MESSAGE_CONTENT_TYPES: dict[str, frozenset[str]] = {
    "user": frozenset({"input_text", "input_image", "input_json"}),
    "developer": frozenset({"input_text"}),
    "system": frozenset({"input_text"}),
    "assistant": frozenset({"output_text", "refusal"}),
}

_REQUIRED: dict[str, tuple[str, ...]] = {
    "message": ("role", "content"),
    "function_call": ("arguments", "call_id", "name"),
    "function_call_output": ("call_id", "output"),
    "custom_tool_call": ("call_id", "input", "name"),
    "custom_tool_call_output": ("call_id", "output"),
}
"""The fields each kind of Decision item requires (``message``: an absent or null ``type``)."""


class DecisionItem(Model):
    """An input item for Decisions: a message, or a function or custom tool call or output.

    ``type`` is absent, null or ``"message"`` for a user, developer, system or
    assistant message (``role`` says which), else the call or output it is.
    """

    type: str | None | UnsetType = UNSET
    id: str | None | UnsetType = UNSET
    # messages
    role: str | UnsetType = UNSET
    content: str | list[DecisionContentPart] | UnsetType = UNSET
    phase: str | None | UnsetType = UNSET
    # calls and outputs
    call_id: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    arguments: str | UnsetType = UNSET
    input: str | UnsetType = UNSET
    namespace: str | None | UnsetType = UNSET
    output: str | list[DecisionToolOutputPart] | UnsetType = UNSET
    status: str | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        kind = self.type if _given(self.type) else "message"
        required = _REQUIRED.get(kind)  # type: ignore[arg-type]  # a str once given
        if required is None:
            raise SchemaError(
                f"Invalid item type {kind!r}: expected one of {sorted(_REQUIRED)}",
                code=ErrorCode.INVALID_VALUE,
                field="type",
            )
        for name in required:
            if getattr(self, name) is UNSET:
                raise SchemaError(
                    f"Missing required parameter {name!r} of a {kind} item",
                    code=ErrorCode.MISSING_REQUIRED_PARAMETER,
                    field=name,
                )
        if kind == "message":
            self._check_message()

    def _check_message(self) -> None:
        allowed = _MESSAGE_CONTENT_TYPES.get(self.role)  # type: ignore[arg-type]  # required
        if allowed is None:
            raise SchemaError(
                f"Invalid role {self.role!r}: expected one of {sorted(_MESSAGE_CONTENT_TYPES)}",
                code=ErrorCode.INVALID_VALUE,
                field="role",
            )
        if isinstance(self.content, list):
            for index, part in enumerate(self.content):
                if part.__struct_config__.tag not in allowed:
                    raise SchemaError(
                        f"Invalid content type {part.__struct_config__.tag!r} for a"
                        f" {self.role!r} message: expected one of {sorted(allowed)}",
                        code=ErrorCode.INVALID_VALUE,
                        field=f"content[{index}].type",
                    )


class StoredDecisionItem(DecisionItem, kw_only=True):
    """A Decision item as the session stores it: the same, with its ``id``."""

    id: str


# --- a Decision's answers ------------------------------------------------------------------------


class DecisionPredicateAnswer(Tagged, tag="predicate"):
    """The probability that a predicate question holds."""

    probability: float
    name: str | None | UnsetType = UNSET


class DecisionChoiceProbability(Model):
    """The probability of one option of a choice question."""

    probability: float
    value: str | bool


class DecisionChoiceAnswer(Tagged, tag="choice"):
    """The option chosen, with the probability of every option."""

    choice: str | bool
    confidence: float
    probabilities: list[DecisionChoiceProbability]
    name: str | None | UnsetType = UNSET


class DecisionScoreProbability(Model):
    """The probability of one level of a score question."""

    label: str
    probability: float
    value: int


class DecisionScoreAnswer(Tagged, tag="score"):
    """The score given, with the probability of every level."""

    confidence: float
    probabilities: list[DecisionScoreProbability]
    score: float
    name: str | None | UnsetType = UNSET


class DecisionRefusalAnswer(Tagged, tag="refusal"):
    """The model declined to answer this question; the others may still have answers."""

    name: str | None | UnsetType = UNSET


DecisionAnswer = (
    DecisionPredicateAnswer | DecisionChoiceAnswer | DecisionScoreAnswer | DecisionRefusalAnswer
)
"""One answer of a Decision, in question order."""


class DecisionUsageInputTokensDetails(Model):
    """The input tokens written to and read from the cache."""

    cache_write_tokens: int
    cached_tokens: int


class DecisionUsageOutputTokensDetails(Model):
    """The output tokens spent reasoning."""

    reasoning_tokens: int


class DecisionUsage(Model):
    """The tokens a Decision used."""

    input_tokens: int
    input_tokens_details: DecisionUsageInputTokensDetails
    output_tokens: int
    output_tokens_details: DecisionUsageOutputTokensDetails
    total_tokens: int


class Decision(Model):
    """A Decision API response: its model, its answers in question order, and its usage."""

    answers: list[DecisionAnswer]
    model: str
    usage: DecisionUsage
