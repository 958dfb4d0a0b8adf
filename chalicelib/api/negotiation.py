"""Which of two representations a client's `Accept` header asks for (RFC 9110, section 12.5.1),
so that a route answers its documented one unless another is asked for above it."""

from __future__ import annotations

from chalice.app import Request

_NONE = -1.0


def prefers(request: Request, wanted: str, *, over: str) -> bool:
    """Whether `Accept` rates `wanted` above `over`. No header, a tie (`*/*`) or a header that
    names neither keeps `over`, the documented representation."""
    ranges = _ranges(request.headers.get("accept") or "")
    return _quality(ranges, wanted) > _quality(ranges, over)


def _ranges(header: str) -> list[tuple[str, float]]:
    """Each media range, lower-cased and without its parameters, with its weight `q`."""
    ranges = []
    for part in header.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        if "/" not in media:
            continue
        ranges.append((media.lower(), _weight(parameters)))
    return ranges


def _weight(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0  # a weight that cannot be read asks for nothing
    return 1.0


def _quality(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The weight of the most specific range that covers `media_type` (type/sub, then type/*,
    then */*); -1 when none does."""
    kind = media_type.split("/")[0]
    for candidate in (media_type, f"{kind}/*", "*/*"):
        weights = [q for media, q in ranges if media == candidate]
        if weights:
            return max(weights)
    return _NONE
