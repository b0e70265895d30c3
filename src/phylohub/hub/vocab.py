"""Vocabularies of the synthetic ecosystem: trait values, their root mixes and drift orders.

Each trait is a list of ``(value, weight)`` pairs **in its planted drift order**: a mutation
that follows the drift moves a value towards the end of its list. Weights are the mix
drawn for root models, loosely calibrated to the paper's Figure 2 and the anchor numbers
(apache-2.0 and mit lead licenses; English dominates languages; text-generation,
text-classification and text-to-image lead tasks; transformers, peft and diffusers lead
libraries). The orders echo the paper's findings (restrictive licenses drift towards
permissive ones, languages towards English, tasks from feature extraction towards
generation and classification), but they are the generator's own truth.
"""

from __future__ import annotations

LICENSES: list[tuple[str, float]] = [
    ("gemma", 8677),
    ("llama3.1", 7614),
    ("llama3.2", 5200),
    ("openrail++", 4100),
    ("creativeml-openrail-m", 29233),
    ("cc-by-nc-4.0", 14315),
    ("llama3", 9887),
    ("llama2", 10294),
    ("other", 81887),
    ("mit", 109820),
    ("afl-3.0", 2600),
    ("bigscience-bloom-rail-1.0", 2100),
    ("llama3.3", 1800),
    ("apache-2.0", 298442),
    ("cc-by-nc-sa-4.0", 3900),
    ("cc-by-4.0", 6737),
    ("openrail", 37498),
    ("artistic-2.0", 900),
    ("cc-by-sa-4.0", 2800),
    ("gpl-3.0", 2300),
    ("cc", 1100),
    ("unknown", 8368),
    ("bsd-3-clause", 700),
    ("wtfpl", 500),
    ("cc0-1.0", 600),
    ("agpl-3.0", 450),
    ("unlicense", 400),
]

# ISO 639-1 codes, with a few ISO 639-3 codes as the Hub also carries them.
LANGUAGES: list[tuple[str, float]] = [
    ("multilingual", 300),
    ("sw", 250),
    ("yo", 200),
    ("ha", 180),
    ("ta", 400),
    ("te", 380),
    ("bn", 600),
    ("fa", 900),
    ("id", 1100),
    ("vi", 1500),
    ("tr", 1600),
    ("uk", 700),
    ("pl", 1300),
    ("nl", 1400),
    ("it", 2500),
    ("pt", 3500),
    ("ru", 5000),
    ("ja", 6500),
    ("de", 10532),
    ("fr", 11754),
    ("es", 10711),
    ("zh", 12917),
    ("ar", 3000),
    ("hi", 2200),
    ("ko", 3200),
    ("fra", 150),
    ("deu", 120),
    ("eng", 200),
    ("en", 221550),
]

TASKS: list[tuple[str, float]] = [
    ("feature-extraction", 3.0),
    ("fill-mask", 3.5),
    ("sentence-similarity", 2.0),
    ("token-classification", 2.5),
    ("question-answering", 1.8),
    ("summarization", 0.8),
    ("translation", 1.2),
    ("text2text-generation", 2.0),
    ("automatic-speech-recognition", 2.2),
    ("image-classification", 2.4),
    ("object-detection", 0.6),
    ("image-to-text", 0.5),
    ("text-to-image", 11.4),
    ("text-to-speech", 0.5),
    ("image-text-to-text", 1.5),
    ("text-generation", 41.1),
    ("text-classification", 13.6),
    ("audio-classification", 0.6),
    ("reinforcement-learning", 3.0),
]

LIBRARIES: list[tuple[str, float]] = [
    ("timm", 1.2),
    ("sentence-transformers", 2.5),
    ("transformers", 63.2),
    ("diffusers", 8.3),
    ("keras", 0.8),
    ("stable-baselines3", 1.5),
    ("ml-agents", 0.5),
    ("mlx", 0.7),
    ("onnx", 0.4),
    ("peft", 19.9),
    ("gguf", 4.0),
]

# Affinity of a relation for a mutation target (multiplies the target's weight): an
# adapter's library drifts to peft, a quantized model's to gguf.
RELATION_AFFINITY: dict[str, dict[str, dict[str, float]]] = {
    "library": {"adapter": {"peft": 400.0}, "quantized": {"gguf": 200.0, "mlx": 5.0}},
}

DATASETS: list[tuple[str, float]] = [
    ("imagefolder", 5143),
    ("glue", 3518),
    ("squad", 1400),
    ("common_voice", 1300),
    ("tatsu-lab/alpaca", 900),
    ("HuggingFaceH4/ultrachat_200k", 800),
    ("Open-Orca/OpenOrca", 700),
    ("wikitext", 600),
    ("conll2003", 600),
    ("emotion", 500),
    ("imdb", 500),
    ("mozilla-foundation/common_voice_11_0", 450),
    ("openai/gsm8k", 400),
    ("HuggingFaceFW/fineweb-edu", 300),
    ("allenai/c4", 300),
    ("cnn_dailymail", 250),
    ("xsum", 200),
    ("samsum", 200),
]

#: Names above that are no dataset but a builder of the ``datasets`` library, which an
#: auto-generated card writes in place of a local or in-memory dataset's name.
TEMPLATE_DATASETS: frozenset[str] = frozenset({"imagefolder", "generator"})

ARXIV: list[tuple[str, float]] = [
    ("1810.04805", 50),
    ("1706.03762", 40),
    ("2106.09685", 45),
    ("2305.18290", 30),
    ("2307.09288", 25),
    ("2203.02155", 15),
    ("1907.11692", 20),
    ("2010.11929", 15),
    ("2112.10752", 18),
    ("2302.13971", 22),
    ("1910.01108", 12),
    ("2005.14165", 10),
]
# The arXiv id the Hub's default auto-generated card cites (Lacoste et al. 2019): the
# template artefact that inflates cs.CY in the paper.
TEMPLATE_ARXIV = "1910.09700"

# What arXiv lists for the papers above (title, first-version day, primary category,
# every category with the primary first): the replica's arXiv API serves these.
ARXIV_PAPERS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "1810.04805": (
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "2018-10-11", "cs.CL", ("cs.CL",),
    ),
    "1706.03762": ("Attention Is All You Need", "2017-06-12", "cs.CL", ("cs.CL", "cs.LG")),
    "2106.09685": (
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "2021-06-17", "cs.CL", ("cs.CL", "cs.AI", "cs.LG"),
    ),
    "2305.18290": (
        "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
        "2023-05-29", "cs.LG", ("cs.LG", "cs.AI", "cs.CL"),
    ),
    "2307.09288": (
        "Llama 2: Open Foundation and Fine-Tuned Chat Models",
        "2023-07-18", "cs.CL", ("cs.CL", "cs.AI"),
    ),
    "2203.02155": (
        "Training language models to follow instructions with human feedback",
        "2022-03-04", "cs.CL", ("cs.CL", "cs.AI", "cs.LG"),
    ),
    "1907.11692": (
        "RoBERTa: A Robustly Optimized BERT Pretraining Approach",
        "2019-07-26", "cs.CL", ("cs.CL",),
    ),
    "2010.11929": (
        "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
        "2020-10-22", "cs.CV", ("cs.CV", "cs.AI", "cs.LG"),
    ),
    "2112.10752": (
        "High-Resolution Image Synthesis with Latent Diffusion Models",
        "2021-12-20", "cs.CV", ("cs.CV",),
    ),
    "2302.13971": (
        "LLaMA: Open and Efficient Foundation Language Models",
        "2023-02-27", "cs.CL", ("cs.CL",),
    ),
    "1910.01108": (
        "DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter",
        "2019-10-02", "cs.CL", ("cs.CL",),
    ),
    "2005.14165": ("Language Models are Few-Shot Learners", "2020-05-28", "cs.CL", ("cs.CL",)),
    TEMPLATE_ARXIV: (
        "Quantifying the Carbon Emissions of Machine Learning",
        "2019-10-21", "cs.CY", ("cs.CY", "cs.LG"),
    ),
}  # fmt: skip

# Primary categories of the generator's synthetic papers (``SynthConfig.arxiv_pool``),
# loosely after the machine-learning papers models cite, and the categories a paper of
# each is cross-listed in.
ARXIV_CATEGORIES: list[tuple[str, float]] = [
    ("cs.CL", 38),
    ("cs.LG", 22),
    ("cs.CV", 20),
    ("cs.AI", 6),
    ("stat.ML", 3),
    ("cs.IR", 2.5),
    ("eess.AS", 2),
    ("cs.SD", 1.5),
    ("cs.RO", 1.5),
    ("eess.IV", 1),
    ("cs.CR", 1),
    ("q-bio.QM", 0.5),
    ("cs.CY", 0.5),
]
ARXIV_CROSS_LISTS: dict[str, list[str]] = {
    "cs.CL": ["cs.AI", "cs.LG", "cs.IR"],
    "cs.LG": ["cs.AI", "stat.ML", "cs.CL", "cs.CV"],
    "cs.CV": ["cs.AI", "cs.LG", "eess.IV"],
    "cs.AI": ["cs.LG", "cs.CL"],
    "stat.ML": ["cs.LG"],
    "cs.IR": ["cs.CL", "cs.LG"],
    "eess.AS": ["cs.SD", "cs.CL"],
    "cs.SD": ["eess.AS", "cs.LG"],
    "cs.RO": ["cs.AI", "cs.LG", "cs.CV"],
    "eess.IV": ["cs.CV"],
    "cs.CR": ["cs.LG", "cs.AI"],
    "q-bio.QM": ["cs.LG"],
    "cs.CY": ["cs.AI", "cs.LG"],
}

LABS: list[str] = [
    "meta-llama",
    "Qwen",
    "google",
    "mistralai",
    "microsoft",
    "black-forest-labs",
    "stabilityai",
    "openai-community",
    "deepseek-ai",
    "EleutherAI",
    "bigscience",
    "facebook",
    "allenai",
    "nvidia",
    "tiiuae",
    "HuggingFaceTB",
]

STEMS: list[str] = [
    "Llama",
    "Qwen",
    "gemma",
    "Mistral",
    "Phi",
    "FLUX.1",
    "stable-diffusion",
    "bert",
    "roberta",
    "distilbert",
    "t5",
    "whisper",
    "vit",
    "gpt2",
    "deberta",
    "falcon",
    "DeepSeek",
    "SmolLM",
    "bloom",
    "opt",
    "pythia",
    "clip",
    "wav2vec2",
    "electra",
]

SIZES: list[str] = [
    "0.5B",
    "1.5B",
    "1B",
    "2b",
    "3B",
    "7B",
    "8B",
    "13B",
    "70B",
    "base",
    "large",
    "small",
]
VARIANTS: list[str] = ["", "-Instruct", "-it", "-chat", "-v0.1", "-uncased", "-dev", "-v2"]
FINETUNE_SUFFIXES: list[str] = ["finetuned", "sft", "dpo", "instruct", "ft", "lora-merged", "orpo"]
QUANT_SUFFIXES: list[str] = [
    "GGUF",
    "AWQ",
    "GPTQ",
    "4bit",
    "Q4_K_M-GGUF",
    "8bit",
    "mlx-4bit",
    "exl2",
]
MERGE_METHODS: list[str] = ["slerp", "ties", "dare_ties", "linear", "passthrough", "della"]
SYLLABLES: list[str] = [
    "ka", "ri", "mo", "ta", "ne", "lu", "shi", "ra", "do", "vin", "el", "ax", "or", "ben",
    "jo", "zy", "qu", "pe", "na", "li", "sam", "tor", "ix", "um", "go", "ha", "fe", "wu",
]  # fmt: skip

WORDS: list[str] = (
    "model trained data training evaluation results dataset fine tuned base language "
    "text learning rate batch size epochs loss accuracy performance task tasks tokens "
    "tokenizer parameters weights inference license use intended limitations bias risks "
    "users downstream research generation instruction chat assistant prompt format "
    "example code transformers pipeline quantization precision memory gpu hardware "
    "compute carbon emissions citation authors paper benchmark score metric validation "
    "test split architecture layers attention heads hidden context length vocabulary "
    "multilingual english translation summarization classification embedding retrieval "
    "images audio speech vision adapter lora rank alpha merge method configuration "
    "checkpoint release version update community feedback safety alignment preference "
    "optimization reward the a of and to in for with on is this that by from as are be "
    "can was it an or "
).split()
