"""Per-process caches kept true across processes: changes noted in transactions (`changes`), announced
after commit and followed over Redis (`feed`), applied to caches built on `store.FeedCache`."""
