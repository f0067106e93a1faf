"""Data-parallel training under `torchrun` or `accelerate launch`: which process this is, and one result.

`mediaframe train` runs unchanged under `torchrun --nproc_per_node N` or `accelerate launch
--num_processes N`: the Hugging Face Trainer reads the launcher's environment (RANK, WORLD_SIZE,
LOCAL_RANK), wraps the model in DistributedDataParallel (NCCL on GPUs, gloo on CPUs) and gives
each process 1/N of every batch of batches. These helpers let the rest of training act once:
every process checks it ends with the same weights, only the main process (rank 0) writes the
model folder and logs progress, and the others wait for it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import Any

logger = logging.getLogger(__name__)


def rank() -> int:
    """This process's rank among the launcher's processes (0 when not launched by torchrun/accelerate)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """How many processes train together (1 when not launched by torchrun/accelerate)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    return rank() == 0


def distributed_ready() -> bool:
    import torch.distributed as dist

    return world_size() > 1 and dist.is_available() and dist.is_initialized()


def barrier() -> None:
    """Wait for every process (no-op in a single-process run)."""
    if distributed_ready():
        import torch.distributed as dist

        dist.barrier()


def weights_digest(model: Any) -> str:
    """SHA-256 of a model's parameters and buffers (names, dtypes, shapes, bytes), as 16 hex digits."""
    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        value = tensor.detach().cpu().contiguous()
        digest.update(f"{name}\0{value.dtype}\0{tuple(value.shape)}\0".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def check_ranks_agree(model: Any) -> str:
    """The digest of the final weights, checked equal on every process of a data-parallel run.

    Raises:
        RuntimeError: processes hold different weights (their training diverged; nothing is written).
    """
    digest = weights_digest(model)
    if distributed_ready():
        import torch.distributed as dist

        digests: list[Any] = [None] * world_size()
        dist.all_gather_object(digests, digest)
        if len(set(digests)) > 1:
            raise RuntimeError(f"data-parallel processes ended with different weights (digests {digests}); no model written")
        logger.info("%d processes agree on the final weights (digest %s)", world_size(), digest)
    return digest
