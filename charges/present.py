"""How numbers are shown to a person."""
from __future__ import annotations


def dollars(value: float) -> str:
    """$23,624.08; a negative amount (possible from a linear model) keeps its sign in front."""
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def signed_dollars(value: float) -> str:
    """+$1,234.00 or −$1,234.00: a difference, so the sign is always shown."""
    return ("+" if value >= 0 else "−") + dollars(abs(value))


def pipeline_steps(pipeline) -> list[tuple[str, str]]:
    """(step name, what it does) for each step of a fitted PyCaret pipeline."""
    steps = []
    for name, step in pipeline.steps:
        inner = getattr(step, "transformer", step)  # PyCaret wraps sklearn transformers
        columns = getattr(step, "include", None)
        where = f" on {', '.join(columns)}" if columns else ""
        steps.append((name, f"{type(inner).__name__}{where}"))
    return steps
