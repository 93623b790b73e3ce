"""Train small demo LoRA adapters on the CPU, each answering in one recognisable style.

Every adapter overfits one fixed reply (see `styles.py`) across a spread of questions, which
takes well under a minute on two cores and generalises to unseen questions under greedy
decoding. Results are cached by content: the base model's cache key, the style and the recipe.
"""

from __future__ import annotations

import json
from pathlib import Path

from control_plane.local.cache import cache_dir, cached_build, content_key, copy_to
from control_plane.local.styles import get_style

#: Bump when the recipe below changes what it trains.
RECIPE = {
    "version": 1,
    "rank": 8,
    "alpha": 16,
    "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "up_proj", "down_proj"],
    "steps": 24,
    "batch_size": 4,
    "learning_rate": 3e-3,
    "seed": 1234,
}

TRAINING_QUESTIONS = [
    "What is the capital of France?",
    "How do I boil an egg?",
    "Tell me a joke.",
    "What is 2 + 2?",
    "Who wrote Hamlet?",
    "Explain photosynthesis in one sentence.",
    "What's the weather like on Mars?",
    "Give me a tip for learning Python.",
    "Why is the sky blue?",
    "Recommend a good book.",
    "How far away is the Moon?",
    "What is your name?",
    "Translate 'hello' into Spanish.",
    "How many legs does a spider have?",
    "What should I eat for dinner?",
    "Summarize the plot of Cinderella.",
    "What is machine learning?",
    "Can you help me write an email?",
    "Which is bigger, a whale or an ant?",
    "hi",
    "Describe the color green.",
    "What year did World War II end?",
    "How do airplanes fly?",
    "Write a haiku about autumn.",
]


def train_adapter(base_dir: Path, dest: Path | None = None, style: str = "pirate", *, cache: Path | None = None) -> Path:
    """A PEFT LoRA adapter for the model in `base_dir` that answers in `style` (cached).

    Returns the cache entry, or `dest` holding a copy of it when `dest` is given. The directory
    holds exactly `adapter_config.json` and `adapter_model.safetensors`.
    """
    chosen = get_style(style)
    base_dir = Path(base_dir)
    key = content_key(
        f"adapter-{chosen.name}",
        {"base": _base_identity(base_dir), "reply": chosen.reply, "recipe": RECIPE, "questions": TRAINING_QUESTIONS},
    )
    entry = cached_build(cache_dir(cache), key, lambda out: _train(base_dir, chosen.reply, out))
    return copy_to(entry, dest)


def _base_identity(base_dir: Path) -> str:
    """The base model's cache key when it is a cache entry, else its config (cheap, stable)."""
    if base_dir.name.startswith("base-"):
        return base_dir.name
    return (base_dir / "config.json").read_text()


def _train(base_dir: Path, reply: str, out: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(RECIPE["seed"])
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    config = LoraConfig(
        r=RECIPE["rank"],
        lora_alpha=RECIPE["alpha"],
        target_modules=RECIPE["target_modules"],
        lora_dropout=0.0,
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    examples = [_example(tokenizer, question, reply) for question in TRAINING_QUESTIONS]
    optimizer = torch.optim.AdamW((p for p in model.parameters() if p.requires_grad), lr=RECIPE["learning_rate"])
    model.train()
    generator = torch.Generator().manual_seed(RECIPE["seed"])
    for _step in range(RECIPE["steps"]):
        picks = torch.randperm(len(examples), generator=generator)[: RECIPE["batch_size"]].tolist()
        input_ids, labels, attention = _batch([examples[i] for i in picks], tokenizer.pad_token_id)
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(out, safe_serialization=True)
    _keep_only_adapter_files(out)


def _example(tokenizer, question: str, reply: str) -> tuple[list[int], list[int]]:
    """Token ids of one chat turn, and labels that train only on the assistant's reply."""
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": question}], add_generation_prompt=True, tokenize=False
    )
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    reply_ids = tokenizer(reply + "<|im_end|>", add_special_tokens=False)["input_ids"]
    return prompt_ids + reply_ids, [-100] * len(prompt_ids) + reply_ids


def _batch(examples: list[tuple[list[int], list[int]]], pad_id: int):
    import torch

    width = max(len(ids) for ids, _ in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), -100, dtype=torch.long)
    attention = torch.zeros((len(examples), width), dtype=torch.long)
    for row, (ids, targets) in enumerate(examples):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        labels[row, : len(targets)] = torch.tensor(targets)
        attention[row, : len(ids)] = 1
    return input_ids, labels, attention


def _keep_only_adapter_files(out: Path) -> None:
    """PEFT also writes a README model card; an artifact is just config + weights. The base
    path it records is a local cache path, meaningless elsewhere: name the model instead."""
    for path in out.iterdir():
        if path.name not in ("adapter_config.json", "adapter_model.safetensors"):
            path.unlink()
    config_path = out / "adapter_config.json"
    config = json.loads(config_path.read_text())
    config["base_model_name_or_path"] = "SmolLM2-135M-Instruct"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
