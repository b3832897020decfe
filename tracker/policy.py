"""The Content Security Policy every page gets, and the framed variant a page other sites may embed uses."""

_POLICY = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
           "object-src 'none'", "base-uri 'self'", "form-action 'self'"]
CONTENT_SECURITY_POLICY = "; ".join([*_POLICY, "frame-ancestors 'none'"])


def framed_policy(origins: list[str]) -> str:
    """The policy for a page other sites may show in a frame: only the given (already validated) origins."""
    return "; ".join([*_POLICY, "frame-ancestors " + " ".join(origins)])
