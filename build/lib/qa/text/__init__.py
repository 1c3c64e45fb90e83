"""Reading articles: plain text, Markdown and saved web pages into the article record."""
