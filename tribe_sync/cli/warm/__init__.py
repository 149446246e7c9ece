"""The warm process: the read-only staff views served by a forked copy of a process that has already
imported everything they need (`client` finds or starts it, `server` is it, `child` runs one command
in the client's place, `protocol` is what they say to each other). See docs/operating.md."""
