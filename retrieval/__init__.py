"""Turn article files into cleaned documents, chunks and embeddings in Chroma, and find evidence."""
