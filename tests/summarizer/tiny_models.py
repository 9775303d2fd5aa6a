"""Builders for tiny random-weight models saved to a directory: real architectures, no downloads.

Random weights write junk, so tests built on these assert on mechanics (chunking, batching,
parsing, fallback), never on summary quality.
"""

from __future__ import annotations

import re
from pathlib import Path

ARTICLE_WORDS = """
the a an of to in on at for with by from and or but is was were are be been has have had
said says will would could after before during over under about into than that this these
city council mayor police officials report reported budget million billion percent year years
week today monday tuesday friday new old first last two three four five ten hundred people
residents workers company companies market markets shares price prices bank banks rate rates
government minister ministers election vote voters plan plans law court judge case cases storm
rain flood floods river bridge road roads school schools students teachers hospital doctors
health water power energy plant plants project projects road team game season win won lost
march april may june july london paris berlin springfield acme river valley north south east west
""".split()

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"]
PUNCTUATION = [".", ",", "-", "*", ":", "1", "2", "3", "\u2022", "<", ">", "/", "article"]

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def vocabulary() -> dict[str, int]:
    words = list(dict.fromkeys(SPECIALS + PUNCTUATION + ARTICLE_WORDS))
    return {w: i for i, w in enumerate(words)}


def tiny_tokenizer(model_max_length: int, *, chat: bool = False):
    """A word-level fast tokenizer over a small news vocabulary."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel(vocabulary(), unk_token="<unk>"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.decoder = decoders.WordPiece(prefix="##", cleanup=True)  # joins words with spaces
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=model_max_length,
        additional_special_tokens=["<|im_start|>", "<|im_end|>"] if chat else None,
    )
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_tiny_bert(path: Path, words: list[str], *, hidden_size: int, seed: int = 0) -> Path:
    """A random 1-layer BERT encoder with a WordPiece vocabulary of `words`, saved like a
    sentence-transformers model directory (config, weights, vocab.txt, tokenizer.json)."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    path.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(words)]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(path / "vocab.txt")).save_pretrained(path)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden_size, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=2 * hidden_size,
                        max_position_embeddings=128)
    BertModel(config).save_pretrained(path)
    return path


def _ids(tokenizer) -> dict[str, int]:
    return {
        "bos_token_id": tokenizer.bos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }


def build_tiny_bart(path: Path, *, window: int = 64, seed: int = 0) -> Path:
    """A 1-layer BART (d_model=16) whose position table holds `window` tokens."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer(window)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=window,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_bos_token_id=None,
        forced_eos_token_id=None,
        **_ids(tokenizer),
    )
    model = BartForConditionalGeneration(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_tiny_t5(path: Path, *, window: int = 48, seed: int = 0) -> Path:
    """A 1-layer T5 (relative positions, so the window comes from the tokenizer)."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer(window)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        decoder_start_token_id=tokenizer.pad_token_id,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = T5ForConditionalGeneration(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_tiny_llama(path: Path, *, window: int = 512, seed: int = 0, chat: bool = True) -> Path:
    """A 1-layer Llama (hidden 16) with a ChatML-style chat template (unless `chat=False`)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer(window, chat=chat)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=window,
        **_ids(tokenizer),
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def news_article(paragraphs: int = 6) -> str:
    """A long, plain article in the tiny vocabulary (so tokens are real words, not <unk>)."""
    base = [
        "The city council said the new budget was two million.",
        "Police officials reported the storm flooded three roads in the north.",
        "The mayor said schools would open on monday after the flood.",
        "Residents of the river valley were moved to the hospital by workers.",
        "The bank said rates would rise by two percent this year.",
        "Voters in springfield will vote on the bridge plan in march.",
        "The court said the case against the company was lost.",
        "Teachers and students said the school plan was new.",
    ]
    out = []
    for p in range(paragraphs):
        out.append(" ".join(base[(p + i) % len(base)] for i in range(4)))
    return "\n\n".join(out)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
