"""Text in, clean sentences and readable bullets out: cleaning, sentence splitting, page
furniture, bullet polish, mojibake, language detection and the per-language rule packs."""
