"""Questions about an article answered from the article itself: the sentences that answer it,
quoted exactly with their spans, and (with an instruct model) a short answer written from them."""
