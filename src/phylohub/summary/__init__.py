"""The summary stage: the ecosystem's distributions (the paper's Figure 2), documentation
availability (its 9.2) and crawl health. See docs/summary.md."""
