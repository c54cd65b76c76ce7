"""The runtime: compiles a patch into a plan and runs it on worker threads, publishing events."""

from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import (
    Event,
    EventBus,
    MessageHop,
    NodeError,
    NodeErrorCounted,
    NodeHung,
    NodeRecovered,
    NodeStarted,
    NodeStatus,
    NodeStillInError,
    NodeStopped,
    NodeTiming,
    PlanSwapped,
    TakeEnded,
)
from exsampling_patch.runtime.plan import Plan, compile_plan

__all__ = [
    "Engine",
    "Event",
    "EventBus",
    "MessageHop",
    "NodeError",
    "NodeErrorCounted",
    "NodeHung",
    "NodeRecovered",
    "NodeStarted",
    "NodeStatus",
    "NodeStillInError",
    "NodeStopped",
    "NodeTiming",
    "Plan",
    "PlanSwapped",
    "TakeEnded",
    "compile_plan",
]
