"""知识库: articles, answers, search, synonyms, import and export."""
