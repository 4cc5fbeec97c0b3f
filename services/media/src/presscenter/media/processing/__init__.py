"""Pure media processing: filenames, type sniffing, streaming digests, image cleaning and renditions."""
