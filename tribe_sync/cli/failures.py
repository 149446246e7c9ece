"""The edge's failure messages; they live in `tribe_sync.failures`, where the executor uses them too."""

from tribe_sync.failures import Failure, describe_failure

__all__ = ["Failure", "describe_failure"]
