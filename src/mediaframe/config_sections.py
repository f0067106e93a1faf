"""The sections of mediaframe's configuration, one frozen pydantic model per pipeline stage.

Each section holds the settings of one stage (data reading, cleaning, segmentation, targets,
labeling, dataset, imports, sources, model, training, evaluation, comparison, prediction,
distributed scoring, report). Every field has a default and a description, and an unknown key
fails with the path of the bad field. `mediaframe.config.Config` composes them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(Section):
    text_field: str = Field("text", description="Column holding the article or sentence text in JSONL/CSV input.")
    column_map: dict[str, str] = Field(
        default_factory=dict,
        description="Input column -> mediaframe field, e.g. {body = 'text', source = 'outlet'}.",
    )
    max_article_chars: int = Field(
        10_000_000, ge=1, description="Articles longer than this are refused (one clear line); 5 MB takes a few seconds."
    )


class CleaningConfig(Section):
    enabled: bool = Field(True, description="Strip boilerplate (banners, captions, bylines, share lines, tag lists).")
    max_caption_words: int = Field(8, description="A short line without final punctuation next to a credit is a caption.")


class SegmentationConfig(Section):
    language: str = Field("en", description="Language of the corpus (the syntok segmenter knows en, de and es).")
    max_sentence_chars: int = Field(2000, description="Longer sentences are cut at this many characters.")


class TargetsConfig(Section):
    aliases: dict[str, list[str]] = Field(
        default_factory=lambda: {"Netflix": ["Netflix", "Netflix Inc", "Netflix, Inc.", "NFLX"]},
        description="Target name -> its names (matched with possessives, case-insensitive)."
    )
    descriptors: dict[str, list[str]] = Field(
        default_factory=lambda: {"Netflix": ["the streamer", "the streaming giant", "the streaming service",
                                             "the streaming company", "the streaming platform", "the media giant",
                                             "the company"]},
        description="Target name -> descriptions ('the streamer') that count once the article has named it.",
    )
    case_sensitive_max_len: int = Field(
        5, description="All-caps aliases this short or shorter (tickers such as NFLX) match case-sensitively."
    )
    descriptor_window: int = Field(
        50, description="A descriptor counts when the article named the target this many sentences before, or fewer."
    )


class LabelingConfig(Section):
    codebook: str = Field(
        "", description="Codebook TOML (labels, frames, cue lexicons); empty: configs/codebook.toml of the package."
    )
    embedding_model: str = Field(
        "",
        description="Sentence-embedding model (path or id) for frame similarity; '' = the bundled all-MiniLM-L6-v2, "
        "'none' = frame-similarity rules off.",
    )
    embedding_batch_size: int = Field(64, description="Sentences per batch when embedding for frame similarity.")
    similarity_threshold: float = Field(
        0.3, description="Frame similarity vote only when the best frame's cosine similarity is at least this."
    )
    similarity_margin: float = Field(
        0.02, description="... and beats the second-best frame by at least this margin (else it abstains)."
    )
    stance_window: int = Field(
        12, description="Words on each side of a target mention that count as its clause for stance cues."
    )
    valence_threshold: float = Field(
        0.2, description="VADER compound score beyond which the valence rules vote (0.2: best band on NewsMTSC train)."
    )
    fit_weights: bool = Field(True, description="Fit the vote weights of the labeling functions on gold where gold exists.")


class DatasetConfig(Section):
    validation_fraction: float = Field(0.2, description="Share of articles in the validation split (grouped by article).")
    test_fraction: float = Field(0.2, description="Share of articles in the test split (grouped by article).")
    min_confidence: float = Field(
        0.0, description="Weak labels with a confidence below this are left empty (None) in the dataset."
    )


class ImportConfig(Section):
    column_map: dict[str, str] = Field(
        default_factory=dict,
        description="Labeled-table column -> field (id, article_id, index, text, target, stance, sentiment, frame, "
        "outlet, date, mention_start, mention_end), e.g. {sentence = 'text', polarity = 'stance'}.",
    )
    label_map: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Task -> raw label value -> codebook label, e.g. {stance = {'-1' = 'against', '1' = 'favor'}}.",
    )
    target: str = Field("", description="Target of every row of a labeled table that has no target column.")


class SourcesConfig(Section):
    benchmarks: str = Field(
        "../shared/benchmarks",
        description="Folder holding newsmtsc/ and narrative_frames/ (their texts are read from here, never copied).",
    )
    labels: str = Field("data/labels", description="The team's labels of real news, keyed by source ids and offsets.")
    written: str = Field("data/written", description="The team's written coverage (articles with labeled sentences).")


class ModelConfig(Section):
    base_model: str = Field("news-teacher", description="'news-teacher' (the shipped six-layer fine-tuning base), 'news' "
                            "(the shipped student), 'minilm' (all-MiniLM-L6-v2), a Hugging Face model id or a local folder.")
    max_length: int = Field(128, description="Tokens per input (sentence + target); longer inputs are truncated.")
    target_mode: Literal["pair", "marked", "marked_pair", "none"] = Field(
        "marked", description="How the target reaches the encoder: text pair, marked mentions, both, or not at all.")
    context: Literal["none", "before"] = Field("none", description="'before': the model also reads what precedes the "
                                               "sentence (the title, the sentence before) as a second segment (marked or none).")
    pooling: Literal["mean", "cls"] = Field("mean", description="Sentence representation fed to the heads.")
    dropout: float = Field(0.1, description="Dropout before the classification heads.")


class TrainingConfig(Section):
    epochs: float = Field(2.0, gt=0, description="Passes over the training rows (fractions allowed); early stopping may end sooner.")
    learning_rate: float = Field(5e-5, gt=0, lt=1, description="Peak learning rate of the heads and the top encoder layer.")
    batch_size: int = Field(16, ge=1, description="Training rows per step.")
    eval_batch_size: int = Field(128, ge=1, description="Rows per batch when scoring the validation split.")
    scheduler: Literal["linear", "cosine", "constant_with_warmup"] = Field(
        "linear", description="Learning-rate schedule after warmup."
    )
    warmup_ratio: float = Field(0.1, ge=0, lt=1, description="Share of the steps spent warming the learning rate up.")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay (not applied to biases and LayerNorm).")
    layer_decay: float = Field(
        1.0, gt=0, le=1, description="Layer-wise LR decay: layer i from the top trains at lr * decay**i (1.0: off)."
    )
    max_grad_norm: float = Field(1.0, gt=0, description="Gradient clipping norm.")
    class_weights: Literal["none", "balanced", "sqrt"] = Field(
        "none", description="Per-task loss weights against class imbalance: none, balanced (n/(k*count)) or its sqrt."
    )
    evals_per_epoch: int = Field(2, ge=1, le=20, description="Validation passes per epoch (each a candidate snapshot).")
    early_stopping_patience: int = Field(
        2, ge=0, description="Stop after this many validations without a better macro-F1 (0: never stop early)."
    )
    average_checkpoints: int = Field(
        1, ge=1, description="Average the weights of the k best validation snapshots (kept only if validation agrees)."
    )
    seeds: list[int] = Field(
        default_factory=list, description="Seed ensemble: one run per seed, weights averaged (empty: the top-level seed)."
    )
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: CUDA when available, else CPU.")
    bf16: Literal["auto", "on", "off"] = Field(
        "auto", description="bf16 autocast: auto uses it where the GPU or CPU (AMX/AVX512-BF16) supports it."
    )
    group_by_length: bool = Field(True, description="Batch rows of similar length together (less padding, faster).")
    validation_data: str = Field(
        "", description="Validation rows (path) when the training data has no validation split; else a grouped split."
    )
    validation_fraction: float = Field(
        0.15, gt=0, lt=1, description="Share of articles held out for validation when the data has no validation split."
    )
    extra_stance_data: str = Field(
        "newsmtsc", description="Extra stance rows: '' none, 'newsmtsc' (under sources.benchmarks, with the team's "
        "sentence labels from sources.labels), or a labeled table's path."
    )
    extra_sources: list[str] = Field(
        default_factory=lambda: ["narrative_frames", "written", "finentity"],
        description="More labeled sources pooled with the data: narrative_frames, written, finentity, or labeled "
        "tables' paths.",
    )
    source_weights: dict[str, int] = Field(
        default_factory=lambda: {"data": 3, "written": 2},
        description="Source name -> times its training rows are repeated (the user's own rows are 'data').",
    )
    extra_validation_fraction: float = Field(
        0.1, ge=0, lt=1, description="Share of the extra sources' articles held out into validation (mixed transfer)."
    )
    replay_rows: int = Field(
        2000, ge=0, description="Cap on all extra sources' rows together, a seeded sample in proportion to each source "
        "(0: all). Fine-tuning a trained model (base_model 'news-teacher') on a few labels mixes this sample of its general "
        "training rows in, so that it keeps what it knows."
    )
    extra_stance_max_rows: int = Field(
        3000, ge=0, description="Cap on the stance-only NewsMTSC rows, sampled with the seed (0: all; rows with sentence "
        "labels all stay)."
    )
    prior_correction: bool = Field(
        True, description="Shift each head's bias so its mean prediction on the training rows matches their label "
        "frequencies (add-one smoothed): a label the data never uses is rarely predicted."
    )
    transfer: Literal["sequential", "mixed"] = Field(
        "mixed",
        description="Use of the extra stance rows: sequential = train a model on them first, then fine-tune it on the "
        "data; mixed = add them to the training rows.",
    )
    transfer_epochs: float = Field(1.0, gt=0, description="Epochs of the first (transfer-rows) stage of sequential transfer.")
    transfer_cache: str = Field(
        "", description="Folder keeping first-stage models for reuse ('' = $XDG_CACHE_HOME/mediaframe/transfer)."
    )
    threads: int = Field(
        0, ge=0, description="CPU threads for torch; 0: one per physical core (a fixed count, so one seed gives the same weights)."
    )
    checkpoints: bool = Field(False, description="Checkpoint each validation into OUT.checkpoints/ (two kept) for train --resume.")
    show_progress: bool | None = Field(None, description="Progress bar: null shows it only on a terminal.")


class EvaluationConfig(Section):
    split: str = Field("test", description="Split of a built dataset folder that `mediaframe evaluate` scores.")
    label_sources: list[str] = Field(
        default_factory=lambda: ["gold", "import"],
        description="Label sources scored against (rows without a *_source column always count); add 'weak' to "
        "score agreement with the weak labels.",
    )
    bootstrap_samples: int = Field(1000, ge=100, description="Bootstrap resamples for the macro-F1 and accuracy intervals.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Confidence level of the bootstrap intervals.")
    min_articles: int = Field(
        5, ge=1, description="With fewer articles than this the bootstrap resamples rows (an article bootstrap is degenerate)."
    )
    ece_bins: int = Field(15, ge=2, le=100, description="Equal-width bins of the max probability for the calibration error.")
    batch_size: int = Field(32, ge=1, description="Rows per batch when the model scores the evaluation rows.")
    tfidf_max_features: int = Field(50_000, ge=100, description="Vocabulary cap of the TF-IDF baseline (word 1-2 grams).")
    dpi: int = Field(110, ge=50, le=400, description="Resolution of the confusion-matrix PNGs.")


class ComparisonConfig(Section):
    bootstrap_samples: int = Field(2000, ge=100, description="Article-level (cluster) bootstrap resamples per group.")
    permutations: int = Field(2000, ge=100, description="Article-label permutations per pairwise test.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Confidence level of the bootstrap intervals.")
    min_articles: int = Field(3, ge=1, description="Groups with fewer articles are flagged (kept, not hidden).")
    correction: Literal["holm", "fdr_bh"] = Field("holm", description="Multiple-comparison correction: Holm or Benjamini-Hochberg.")
    net_stance: Literal["probabilities", "labels"] = Field("probabilities", description="Stance shares and net stance from "
                                                           "each sentence's probabilities (expected values) or its label.")
    alpha: float = Field(0.05, gt=0.0, lt=1.0, description="Adjusted p-value below which a difference is significant.")


class PredictConfig(Section):
    batch_size: int = Field(32, ge=1, description="Most sentences per forward pass (batches are sorted by length).")
    chunk_size: int = Field(2048, ge=1, description="Sentences read, scored and appended to the output at a time.")
    dtype: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto", description="Encoder precision: auto = the fastest here whose labels agree with fp32 (measured once)."
    )
    runtime: Literal["auto", "torch", "openvino"] = Field(
        "auto", description="torch, openvino (the model compiled for this CPU) or auto (measured with dtype)."
    )
    threads: int = Field(0, ge=0, description="Scoring threads; 0 = one per physical core left idle by other jobs.")
    remember: int = Field(
        20_000, ge=0, description="Distinct sentences whose probabilities are kept, so a repeated one is scored once (0: none)."
    )
    max_article_chars: int = Field(
        50_000_000, ge=1, description="Longest article scored (prediction streams; the builder keeps data.max_article_chars)."
    )


class DistillConfig(Section):
    student: str = Field("", description="What the student is cut from: '' = the teacher; a model folder or shipped name "
                         "with the same labels (news-teacher), for a teacher on a larger encoder.")
    layers: int = Field(3, ge=1, description="Encoder layers the student keeps (evenly spaced, the last among them).")
    ffn_width: int = Field(768, ge=0, description="Feed-forward units each student layer keeps, the most important (0 = all).")
    sources: list[str] = Field(default_factory=lambda: ["newsmtsc", "narrative_frames", "written", "finentity"],
                               description="Labeled sources whose sentences the teacher labels (never a test set).")
    article_sentences: int = Field(0, ge=-1, description="Unlabeled sentences of the Narrative Frames articles added (-1 = all).")
    hold_out: bool = Field(True, description="Leave out the articles the teacher's training held out for validation.")
    epochs: float = Field(4.0, gt=0, description="Passes over the distillation sentences.")
    learning_rate: float = Field(1e-4, gt=0, lt=1, description="Peak learning rate (linear warm-up and decay).")
    batch_size: int = Field(32, ge=1, description="Sentences per step.")
    temperature: float = Field(2.0, gt=0, description="Softens the teacher's and the student's distributions in the loss.")
    teacher_dtype: Literal["fp32", "auto"] = Field("fp32", description="The teacher's soft labels in fp32, or auto: bf16 where native.")
    label_weight: float = Field(0.5, ge=0, le=1, description="Weight of gold labels against the teacher's soft labels.")
    representation_weight: float = Field(0.0, ge=0, description="Weight of matching the teacher's pooled sentence "
                                         "representation (cosine, through a learned projection; 0 = logits only).")


class DistributedConfig(Section):
    workers: int = Field(
        0, ge=0, description="Model actors of `predict --engine ray`; 0 = one per cpus_per_worker CPUs of the cluster."
    )
    cpus_per_worker: int = Field(1, ge=1, description="CPUs each model actor reserves; its torch threads.")
    gpus_per_worker: float = Field(
        0.0, ge=0.0, description="GPUs each actor reserves with --device cuda (0 = one GPU; 0.5 = two actors share one)."
    )
    articles_per_shard: int = Field(200, ge=1, description="Articles per shard (a unit of work, retry and resume).")
    sentences_per_shard: int = Field(
        2048, ge=1, description="Sentence rows per shard with --unit sentence (a multiple of predict.chunk_size keeps its batches)."
    )
    shard_format: Literal["auto", "parquet", "jsonl"] = Field(
        "auto", description="Shard files: auto = JSONL for .jsonl/.csv outputs, Parquet for .parquet and folder outputs."
    )
    keep_shards: bool = Field(False, description="Keep the shard folder (shards + _manifest.json) after merging into --out.")
    max_restarts: int = Field(3, ge=-1, description="Restarts of a model actor that died (-1 = unlimited).")
    max_task_retries: int = Field(3, ge=-1, description="Retries of a shard whose actor died while scoring it (-1 = unlimited).")


class ReportConfig(Section):
    examples_per_group: int = Field(3, ge=0, description="Most confident against and favor sentences shown per group.")
    top_frames: int = Field(8, ge=1, description="Frames drawn in the stacked bars; the rest are pooled as 'remaining frames'.")
    dpi: int = Field(110, ge=50, le=400, description="Resolution of the PNG charts.")
