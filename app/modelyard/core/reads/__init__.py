"""What is read and shown: details, history, previews, downloads of files, snippets, web pages,
diagnosis."""
